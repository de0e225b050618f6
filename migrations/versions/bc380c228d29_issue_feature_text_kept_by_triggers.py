"""issue Feature text kept by triggers: each issue's GeoJSON Feature as text, before and after its like
count, in its own table, so the map and the lists join stored text instead of encoding every pin on every
request

The text follows the issue (title, category, status, area, position, report time) and the names it shows
(a renamed category, status or area), by triggers, whatever writes them. Likes do not touch it: the count
goes between the two parts when read, as the issue's URL does at the end. The table is apart from `issues`
so that likes, which rewrite an issue's row, and the officials' covering-index scans keep a narrow row.

Revision ID: bc380c228d29
Revises: c4d2e7a1f0b3
Create Date: 2026-11-22 10:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'bc380c228d29'
down_revision = 'c4d2e7a1f0b3'
branch_labels = None
depends_on = None

# The columns whose change changes the text.
SOURCES = "title, category_code, status, area_id, lon, lat, created_at"

# The two parts, over `i`, the issues row; one expression per engine.
SQLITE_PARTS = (
    """'{"type":"Feature","id":' || i.id || ',"geometry":{"type":"Point","coordinates":[' || i.lon || ','"""
    """ || i.lat || ']},"properties":{"id":' || i.id || ',"title":' || json_quote(i.title)"""
    """ || ',"category":' || json_quote(i.category_code) || ',"category_name":'"""
    """ || json_quote((SELECT name FROM categories WHERE code = i.category_code))"""
    """ || ',"status":' || json_quote(i.status) || ',"status_name":'"""
    """ || json_quote((SELECT name FROM statuses WHERE code = i.status))"""
    """ || ',"status_type":' || json_quote((SELECT type FROM statuses WHERE code = i.status))"""
    """ || ',"likes":', """
    """',"area":' || json_quote((SELECT name FROM areas WHERE id = i.area_id))"""
    """ || ',"area_id":' || i.area_id || ',"created_at":"' || strftime('%Y-%m-%dT%H:%M:%SZ', i.created_at)"""
    """ || '","url":'"""
)
POSTGRES_PARTS = (
    """'{"type":"Feature","id":' || i.id || ',"geometry":{"type":"Point","coordinates":[' || i.lon || ','"""
    """ || i.lat || ']},"properties":{"id":' || i.id || ',"title":' || to_json(i.title)::text"""
    """ || ',"category":' || to_json(i.category_code)::text || ',"category_name":'"""
    """ || (SELECT to_json(name)::text FROM categories WHERE code = i.category_code)"""
    """ || ',"status":' || to_json(i.status)::text || ',"status_name":'"""
    """ || (SELECT to_json(name)::text FROM statuses WHERE code = i.status)"""
    """ || ',"status_type":' || (SELECT to_json(type)::text FROM statuses WHERE code = i.status)"""
    """ || ',"likes":', """
    """',"area":' || (SELECT to_json(name)::text FROM areas WHERE id = i.area_id)"""
    """ || ',"area_id":' || i.area_id"""
    """ || ',"created_at":"' || to_char(i.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '","url":'"""
)


def refill(parts: str, which: str) -> str:
    """(Re)write the text of the issues `which` selects. (The WHERE is never empty: SQLite needs one
    between an INSERT's SELECT and its ON CONFLICT.)"""
    return (
        f"INSERT INTO issue_features (issue_id, head, tail) SELECT i.id, {parts} FROM issues AS i WHERE {which} "
        "ON CONFLICT (issue_id) DO UPDATE SET head = excluded.head, tail = excluded.tail"
    )


# (trigger, table, the columns that fire it, which issues it refills)
LOOKUPS = (
    ("categories_feature_on_rename", "categories", "name", "i.category_code = NEW.code"),
    ("statuses_feature_on_rename", "statuses", "name, type", "i.status = NEW.code"),
    ("areas_feature_on_rename", "areas", "name", "i.area_id = NEW.id"),
)


def upgrade():
    op.create_table('issue_features',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('head', sa.Text(), nullable=False),
    sa.Column('tail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id')
    )
    if op.get_bind().dialect.name == "postgresql":
        mine = "i.id = NEW.id"
        op.execute(
            "CREATE FUNCTION issue_feature_fill() RETURNS trigger AS $$ BEGIN "
            f"{refill(POSTGRES_PARTS, mine)}; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        branches = " ELSIF ".join(
            f"TG_TABLE_NAME = '{table}' THEN {refill(POSTGRES_PARTS, which)};" for _, table, _, which in LOOKUPS
        )
        op.execute(
            "CREATE FUNCTION issue_feature_refill() RETURNS trigger AS $$ BEGIN "
            f"IF {branches} END IF; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER issue_feature AFTER INSERT OR UPDATE OF {SOURCES} ON issues "
            "FOR EACH ROW EXECUTE FUNCTION issue_feature_fill()"
        )
        for name, table, columns, _ in LOOKUPS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION issue_feature_refill()"
            )
        op.execute(refill(POSTGRES_PARTS, "true"))
    else:
        mine = refill(SQLITE_PARTS, "i.id = NEW.id")
        op.execute(f"CREATE TRIGGER issue_feature_on_insert AFTER INSERT ON issues BEGIN {mine}; END")
        op.execute(f"CREATE TRIGGER issue_feature_on_update AFTER UPDATE OF {SOURCES} ON issues BEGIN {mine}; END")
        for name, table, columns, which in LOOKUPS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table} "
                f"BEGIN {refill(SQLITE_PARTS, which)}; END"
            )
        op.execute(refill(SQLITE_PARTS, "true"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS issue_feature ON issues")
        for name, table, _, _ in LOOKUPS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS issue_feature_fill()")
        op.execute("DROP FUNCTION IF EXISTS issue_feature_refill()")
    else:
        for name in ("issue_feature_on_insert", "issue_feature_on_update", *(t[0] for t in LOOKUPS)):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('issue_features')
