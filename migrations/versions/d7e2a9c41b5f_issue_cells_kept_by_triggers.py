"""issue_cells kept by triggers: visible issues counted per cell of the map's finest clustering grid (zoom 15,
3 cells per tile: 0.003662109375 degrees), status, category and area, so the map's clusters add up a few
thousand rows instead of counting every issue in a city-sized box

Revision ID: d7e2a9c41b5f
Revises: 7cd0505b56ac
Create Date: 2026-12-02 23:35:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "d7e2a9c41b5f"
down_revision = '7cd0505b56ac'
branch_labels = None
depends_on = None

# geo.grid.FINE_GRID's cell size, exactly representable; the cell of a point is floor((lon + 180) / SIZE),
# which for lon >= -180 SQLite's CAST(... AS INTEGER) computes too. Same floating-point operations as
# geo.grid.Grid.cell_of, so the database and Python agree on points on an edge.
SIZE = "CAST(0.003662109375 AS DOUBLE PRECISION)"
KEY = "cell_x, cell_y, status, category_code, area_id"
COLUMNS = f"{KEY}, issues, sum_lon, sum_lat"


def cells(row: str, dialect: str) -> tuple[str, str]:
    if dialect == "postgresql":
        return (
            f"CAST(floor(({row}.lon + 180.0) / {SIZE}) AS INTEGER)",
            f"CAST(floor(({row}.lat + 90.0) / {SIZE}) AS INTEGER)",
        )
    return (
        f"CAST(({row}.lon + 180.0) / 0.003662109375 AS INTEGER)",
        f"CAST(({row}.lat + 90.0) / 0.003662109375 AS INTEGER)",
    )


def add_one(row: str, dialect: str) -> str:
    x, y = cells(row, dialect)
    return (
        f"INSERT INTO issue_cells ({COLUMNS}) VALUES ({x}, {y}, {row}.status, {row}.category_code,"
        f" {row}.area_id, 1, {row}.lon, {row}.lat) ON CONFLICT ({KEY}) DO UPDATE SET"
        " issues = issue_cells.issues + 1, sum_lon = issue_cells.sum_lon + excluded.sum_lon,"
        " sum_lat = issue_cells.sum_lat + excluded.sum_lat"
    )


def take_one(row: str, dialect: str) -> str:
    x, y = cells(row, dialect)
    return (
        f"UPDATE issue_cells SET issues = issues - 1, sum_lon = sum_lon - {row}.lon,"
        f" sum_lat = sum_lat - {row}.lat WHERE cell_x = {x} AND cell_y = {y} AND status = {row}.status"
        f" AND category_code = {row}.category_code AND area_id = {row}.area_id"
    )


def add_grouped(source: str, dialect: str, sign: str) -> str:
    """Every visible row of `source` added (sign '+') or taken ('-') in one statement, grouped by cell."""
    x, y = cells(source, dialect)
    return (
        f"INSERT INTO issue_cells ({COLUMNS}) SELECT {x}, {y}, status, category_code, area_id,"
        f" {sign}count(*), {sign}sum(lon), {sign}sum(lat) FROM {source} WHERE NOT is_hidden"
        f" GROUP BY 1, 2, 3, 4, 5 ON CONFLICT ({KEY}) DO UPDATE SET issues = issue_cells.issues"
        " + excluded.issues, sum_lon = issue_cells.sum_lon + excluded.sum_lon,"
        " sum_lat = issue_cells.sum_lat + excluded.sum_lat"
    )


MOVED = "lon, lat, status, category_code, area_id, is_hidden"


def upgrade():
    op.create_table(
        "issue_cells",
        sa.Column("cell_x", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cell_y", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("area_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("issues", sa.Integer(), nullable=False),
        sa.Column("sum_lon", sa.Float(), nullable=False),
        sa.Column("sum_lat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("cell_x", "cell_y", "status", "category_code", "area_id"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # Inserts and deletes per statement with transition tables (a bulk load adds each cell once);
        # updates per row and only of the columns that move an issue between cells (a like's count
        # update, or the Feature text's, fires nothing: transition tables cannot have a column list).
        op.execute(
            "CREATE FUNCTION issue_cells_add() RETURNS trigger AS $$ BEGIN "
            + add_grouped("added_issues", dialect, "")
            + "; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE FUNCTION issue_cells_take() RETURNS trigger AS $$ BEGIN "
            + add_grouped("taken_issues", dialect, "-")
            + "; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE FUNCTION issue_cells_move() RETURNS trigger AS $$ BEGIN "
            f"IF NOT OLD.is_hidden THEN {take_one('OLD', dialect)}; END IF; "
            f"IF NOT NEW.is_hidden THEN {add_one('NEW', dialect)}; END IF; "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER issue_cells_on_insert AFTER INSERT ON issues REFERENCING NEW TABLE AS"
            " added_issues FOR EACH STATEMENT EXECUTE FUNCTION issue_cells_add()"
        )
        op.execute(
            "CREATE TRIGGER issue_cells_on_delete AFTER DELETE ON issues REFERENCING OLD TABLE AS"
            " taken_issues FOR EACH STATEMENT EXECUTE FUNCTION issue_cells_take()"
        )
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in MOVED.split(", "))
        op.execute(
            f"CREATE TRIGGER issue_cells_on_update AFTER UPDATE OF {MOVED} ON issues FOR EACH ROW"
            f" WHEN ({changed}) EXECUTE FUNCTION issue_cells_move()"
        )
    else:
        op.execute(
            "CREATE TRIGGER issue_cells_on_insert AFTER INSERT ON issues WHEN NOT NEW.is_hidden BEGIN "
            + add_one("NEW", dialect)
            + "; END"
        )
        op.execute(
            "CREATE TRIGGER issue_cells_on_delete AFTER DELETE ON issues WHEN NOT OLD.is_hidden BEGIN "
            + take_one("OLD", dialect)
            + "; END"
        )
        op.execute(
            f"CREATE TRIGGER issue_cells_on_update_old AFTER UPDATE OF {MOVED} ON issues"
            " WHEN NOT OLD.is_hidden BEGIN " + take_one("OLD", dialect) + "; END"
        )
        op.execute(
            f"CREATE TRIGGER issue_cells_on_update_new AFTER UPDATE OF {MOVED} ON issues"
            " WHEN NOT NEW.is_hidden BEGIN " + add_one("NEW", dialect) + "; END"
        )
    # SQLite parses an upsert after INSERT ... SELECT only with a WHERE clause, which add_grouped has.
    op.execute(add_grouped("issues", dialect, ""))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS issue_cells_on_insert ON issues")
        op.execute("DROP TRIGGER IF EXISTS issue_cells_on_delete ON issues")
        op.execute("DROP TRIGGER IF EXISTS issue_cells_on_update ON issues")
        op.execute("DROP FUNCTION IF EXISTS issue_cells_add()")
        op.execute("DROP FUNCTION IF EXISTS issue_cells_take()")
        op.execute("DROP FUNCTION IF EXISTS issue_cells_move()")
    else:
        for name in ("insert", "delete", "update_old", "update_new"):
            op.execute(f"DROP TRIGGER IF EXISTS issue_cells_on_{name}")
    op.drop_table("issue_cells")
