"""officials' dashboard at city scale: issue_counts (visible issues per area, category and status, with
their likes and timed fixes) and issues.days_to_fix, both kept by triggers; rank and report-date indexes
that lead with is_hidden (rank ones end with status); indexes that give the median time to fix by position
and the fixes of recent weeks by date

Revision ID: f4a8c2e6d1b9
Revises: 8c4e2a6f1d93
Create Date: 2026-12-03 04:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "f4a8c2e6d1b9"
down_revision = "8c4e2a6f1d93"
branch_labels = None
depends_on = None

KEY = "area_id, category_code, status"
COLUMNS = f"{KEY}, issues, likes, timed_fixes"
UPSERT = (
    f" ON CONFLICT ({KEY}) DO UPDATE SET issues = issue_counts.issues + excluded.issues,"
    " likes = issue_counts.likes + excluded.likes,"
    " timed_fixes = issue_counts.timed_fixes + excluded.timed_fixes"
)
# What moves an issue between rows of issue_counts (a like only moves the sum of likes within its row).
MOVED = ("status", "category_code", "area_id", "is_hidden")


def days_to_fix(row: str, dialect: str) -> str:
    """spellings.days_between's arithmetic (a double precision result on both engines)."""
    if dialect == "postgresql":
        return (
            f"CAST(extract(epoch FROM {row}.fixed_at - {row}.created_at) AS double precision)"
            " / CAST(86400.0 AS double precision)"
        )
    return f"julianday({row}.fixed_at) - julianday({row}.created_at)"


def add_one(row: str, sign: str) -> str:
    """The issue `row` added to (sign '') or taken from (sign '-') its row of issue_counts."""
    return (
        f"INSERT INTO issue_counts ({COLUMNS}) VALUES ({row}.area_id, {row}.category_code, {row}.status,"
        f" {sign}1, {sign}{row}.likes_count, {sign}(CASE WHEN {row}.fixed_at IS NULL THEN 0 ELSE 1 END))"
        + UPSERT
    )


def add_grouped(source: str, sign: str) -> str:
    """Every visible row of `source` added (sign '') or taken ('-') in one statement."""
    return (
        f"INSERT INTO issue_counts ({COLUMNS}) SELECT {KEY}, {sign}count(*), {sign}coalesce(sum(likes_count), 0),"
        f" {sign}count(fixed_at) FROM {source} WHERE NOT is_hidden GROUP BY {KEY}" + UPSERT
    )


def grouped(source: str, sign: str) -> str:
    """The visible rows of `source` per counter row, as deltas (sign '' adds, '-' takes)."""
    return (
        f"SELECT {KEY}, {sign}count(*) AS issues, {sign}coalesce(sum(likes_count), 0) AS likes,"
        f" {sign}count(fixed_at) AS timed_fixes FROM {source} WHERE NOT is_hidden GROUP BY {KEY}"
    )


def moved(distinct: str) -> str:
    """SQL that is true when an update moved the issue to another row, or fixed or unfixed it."""
    terms = [f"OLD.{c} {distinct} NEW.{c}" for c in MOVED]
    terms.append(f"(OLD.fixed_at IS NULL) {distinct} (NEW.fixed_at IS NULL)")
    return "(" + " OR ".join(terms) + ")"


LIKES_ONLY = (
    "UPDATE issue_counts SET likes = likes + NEW.likes_count - OLD.likes_count"
    " WHERE area_id = NEW.area_id AND category_code = NEW.category_code AND status = NEW.status"
)


def upgrade():
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN and index operations (no batch copy): SQLite keeps the triggers on `issues`.
    op.add_column("issues", sa.Column("days_to_fix", sa.Float(), nullable=True))
    op.execute(f"UPDATE issues SET days_to_fix = {days_to_fix('issues', dialect)} WHERE fixed_at IS NOT NULL")

    op.drop_index("ix_issues_area_rank", table_name="issues")
    op.create_index(
        "ix_issues_area_rank", "issues",
        ["is_hidden", "area_id", sa.literal_column("likes_count DESC"), "created_at", "id", "status"],
        unique=False,
    )
    op.drop_index("ix_issues_rank", table_name="issues")
    op.create_index(
        "ix_issues_rank", "issues",
        ["is_hidden", sa.literal_column("likes_count DESC"), "created_at", "id", "status"],
        unique=False,
    )
    op.drop_index("ix_issues_created_scope", table_name="issues")
    op.create_index(
        "ix_issues_created_scope", "issues", ["is_hidden", "created_at", "area_id", "category_code"], unique=False
    )
    op.create_index(
        "ix_issues_fixed_scope", "issues", ["status", "is_hidden", "fixed_at", "area_id", "category_code"],
        unique=False,
    )
    op.create_index(
        "ix_issues_area_fix", "issues", ["status", "is_hidden", "area_id", "days_to_fix"], unique=False
    )
    op.create_index(
        "ix_issues_category_fix", "issues", ["status", "is_hidden", "category_code", "days_to_fix"],
        unique=False,
    )

    op.create_table(
        "issue_counts",
        sa.Column("area_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("issues", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("timed_fixes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("area_id", "category_code", "status"),
    )

    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION issue_days_to_fix() RETURNS trigger AS $$ BEGIN "
            f"NEW.days_to_fix := {days_to_fix('NEW', dialect)}; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER issue_days_to_fix BEFORE INSERT OR UPDATE OF created_at, fixed_at ON issues"
            " FOR EACH ROW EXECUTE FUNCTION issue_days_to_fix()"
        )
        # Inserts and deletes per statement with transition tables (a bulk load adds each row once).
        op.execute(
            "CREATE FUNCTION issue_counts_add() RETURNS trigger AS $$ BEGIN "
            + add_grouped("added_issues", "")
            + "; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE FUNCTION issue_counts_take() RETURNS trigger AS $$ BEGIN "
            + add_grouped("taken_issues", "-")
            + "; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        # Updates per statement too: a row trigger would update the same few counter rows once per issue
        # in one transaction (a bulk like load updates a million issues), and each update walks the row's
        # chain of versions that transaction left, which grows quadratically. Grouped, each counter row
        # changes once per statement; updates that move nothing (a title, the Feature text) write nothing.
        op.execute(
            "CREATE FUNCTION issue_counts_change() RETURNS trigger AS $$ BEGIN "
            f"INSERT INTO issue_counts ({COLUMNS}) SELECT {KEY}, sum(issues), sum(likes), sum(timed_fixes)"
            f" FROM ({grouped('old_issues', '-')} UNION ALL {grouped('new_issues', '')}) AS changes"
            f" GROUP BY {KEY} HAVING sum(issues) <> 0 OR sum(likes) <> 0 OR sum(timed_fixes) <> 0"
            + UPSERT
            + "; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER issue_counts_on_insert AFTER INSERT ON issues REFERENCING NEW TABLE AS"
            " added_issues FOR EACH STATEMENT EXECUTE FUNCTION issue_counts_add()"
        )
        op.execute(
            "CREATE TRIGGER issue_counts_on_delete AFTER DELETE ON issues REFERENCING OLD TABLE AS"
            " taken_issues FOR EACH STATEMENT EXECUTE FUNCTION issue_counts_take()"
        )
        op.execute(
            "CREATE TRIGGER issue_counts_on_update AFTER UPDATE ON issues REFERENCING OLD TABLE AS old_issues"
            " NEW TABLE AS new_issues FOR EACH STATEMENT EXECUTE FUNCTION issue_counts_change()"
        )
    else:
        op.execute(
            "CREATE TRIGGER issue_days_to_fix_on_insert AFTER INSERT ON issues WHEN NEW.fixed_at IS NOT NULL"
            f" BEGIN UPDATE issues SET days_to_fix = {days_to_fix('NEW', dialect)} WHERE id = NEW.id; END"
        )
        op.execute(
            "CREATE TRIGGER issue_days_to_fix_on_update AFTER UPDATE OF created_at, fixed_at ON issues"
            f" BEGIN UPDATE issues SET days_to_fix = {days_to_fix('NEW', dialect)} WHERE id = NEW.id; END"
        )
        op.execute(
            "CREATE TRIGGER issue_counts_on_insert AFTER INSERT ON issues WHEN NOT NEW.is_hidden BEGIN "
            + add_one("NEW", "")
            + "; END"
        )
        op.execute(
            "CREATE TRIGGER issue_counts_on_delete AFTER DELETE ON issues WHEN NOT OLD.is_hidden BEGIN "
            + add_one("OLD", "-")
            + "; END"
        )
        changed = "AFTER UPDATE OF status, category_code, area_id, is_hidden, fixed_at ON issues"
        op.execute(
            f"CREATE TRIGGER issue_counts_on_update_old {changed} WHEN NOT OLD.is_hidden AND {moved('IS NOT')}"
            " BEGIN " + add_one("OLD", "-") + "; END"
        )
        op.execute(
            f"CREATE TRIGGER issue_counts_on_update_new {changed} WHEN NOT NEW.is_hidden AND {moved('IS NOT')}"
            " BEGIN " + add_one("NEW", "") + "; END"
        )
        # A like changes likes_count alone: one UPDATE of its row. An update that also moved the issue is
        # counted whole by the two triggers above (their rows take the old count and add the new one).
        op.execute(
            "CREATE TRIGGER issue_counts_on_likes AFTER UPDATE OF likes_count ON issues WHEN NOT NEW.is_hidden"
            f" AND NOT {moved('IS NOT')} AND OLD.likes_count IS NOT NEW.likes_count BEGIN {LIKES_ONLY}; END"
        )
    # SQLite parses an upsert after INSERT ... SELECT only with a WHERE clause, which add_grouped has.
    op.execute(add_grouped("issues", ""))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in ("issue_counts_on_insert", "issue_counts_on_delete", "issue_counts_on_update", "issue_days_to_fix"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON issues")
        for name in ("issue_counts_add", "issue_counts_take", "issue_counts_change", "issue_days_to_fix"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in (
            "issue_counts_on_insert",
            "issue_counts_on_delete",
            "issue_counts_on_update_old",
            "issue_counts_on_update_new",
            "issue_counts_on_likes",
            "issue_days_to_fix_on_insert",
            "issue_days_to_fix_on_update",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("issue_counts")
    op.drop_index("ix_issues_fixed_scope", table_name="issues")
    op.drop_index("ix_issues_created_scope", table_name="issues")
    op.create_index(
        "ix_issues_created_scope", "issues", ["created_at", "is_hidden", "area_id", "category_code"], unique=False
    )
    op.drop_index("ix_issues_category_fix", table_name="issues")
    op.drop_index("ix_issues_area_fix", table_name="issues")
    op.drop_index("ix_issues_rank", table_name="issues")
    op.create_index(
        "ix_issues_rank", "issues", [sa.literal_column("likes_count DESC"), "created_at", "id"], unique=False
    )
    op.drop_index("ix_issues_area_rank", table_name="issues")
    op.create_index(
        "ix_issues_area_rank", "issues",
        ["area_id", sa.literal_column("likes_count DESC"), "created_at", "id"], unique=False,
    )
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would drop the triggers on `issues`.
    op.execute("ALTER TABLE issues DROP COLUMN days_to_fix")
