"""issue Feature text kept by triggers: each issue stores its GeoJSON Feature as text, before and after its
like count, so the map and the lists join stored text instead of encoding every pin on every request

The text follows the issue (title, category, status, area, position, report time) and the names it shows
(a renamed category, status or area), by triggers, whatever writes them. Likes do not touch it: the count
goes between the two parts when read, as the issue's URL does at the end.

Revision ID: bc380c228d29
Revises: c4d2e7a1f0b3
Create Date: 2026-11-22 10:10:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "bc380c228d29"
down_revision = "c4d2e7a1f0b3"
branch_labels = None
depends_on = None

# The columns of `issues` whose change changes the text (LOOKUPS below: the names it shows).
SOURCES = "title, category_code, status, area_id, lon, lat, created_at"

# SQLite: the two parts, over the columns of the `issues` row being updated.
SQLITE_HEAD = (
    """'{"type":"Feature","id":' || id || ',"geometry":{"type":"Point","coordinates":[' || lon || ','"""
    """ || lat || ']},"properties":{"id":' || id || ',"title":' || json_quote(title)"""
    """ || ',"category":' || json_quote(category_code) || ',"category_name":'"""
    """ || json_quote((SELECT name FROM categories WHERE categories.code = issues.category_code))"""
    """ || ',"status":' || json_quote(status) || ',"status_name":'"""
    """ || json_quote((SELECT name FROM statuses WHERE statuses.code = issues.status))"""
    """ || ',"status_type":' || json_quote((SELECT type FROM statuses WHERE statuses.code = issues.status))"""
    """ || ',"likes":'"""
)
SQLITE_TAIL = (
    """',"area":' || json_quote((SELECT name FROM areas WHERE areas.id = issues.area_id))"""
    """ || ',"area_id":' || area_id || ',"created_at":"' || strftime('%Y-%m-%dT%H:%M:%SZ', created_at)"""
    """ || '","url":'"""
)
SQLITE_SET = f"UPDATE issues SET feature_head = {SQLITE_HEAD}, feature_tail = {SQLITE_TAIL}"

# PostgreSQL: the same text from the row a BEFORE trigger is about to write.
POSTGRES_FILL = (
    "CREATE FUNCTION issue_feature_fill() RETURNS trigger AS $$ BEGIN "
    """NEW.feature_head := '{"type":"Feature","id":' || NEW.id"""
    """ || ',"geometry":{"type":"Point","coordinates":[' || NEW.lon || ',' || NEW.lat"""
    """ || ']},"properties":{"id":' || NEW.id || ',"title":' || to_json(NEW.title)::text"""
    """ || ',"category":' || to_json(NEW.category_code)::text || ',"category_name":'"""
    """ || (SELECT to_json(name)::text FROM categories WHERE code = NEW.category_code)"""
    """ || ',"status":' || to_json(NEW.status)::text || ',"status_name":'"""
    """ || (SELECT to_json(name)::text FROM statuses WHERE code = NEW.status)"""
    """ || ',"status_type":' || (SELECT to_json(type)::text FROM statuses WHERE code = NEW.status)"""
    """ || ',"likes":'; """
    """NEW.feature_tail := ',"area":' || (SELECT to_json(name)::text FROM areas WHERE id = NEW.area_id)"""
    """ || ',"area_id":' || NEW.area_id"""
    """ || ',"created_at":"' || to_char(NEW.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '","url":'; """
    "RETURN NEW; END; $$ LANGUAGE plpgsql"
)
# A renamed category, status or area: its issues write their key again, which refills their text.
POSTGRES_REFRESH = (
    "CREATE FUNCTION issue_feature_refresh() RETURNS trigger AS $$ BEGIN "
    "IF TG_TABLE_NAME = 'categories' THEN "
    "UPDATE issues SET category_code = category_code WHERE category_code = NEW.code; "
    "ELSIF TG_TABLE_NAME = 'statuses' THEN UPDATE issues SET status = status WHERE status = NEW.code; "
    "ELSE UPDATE issues SET area_id = area_id WHERE area_id = NEW.id; END IF; "
    "RETURN NULL; END; $$ LANGUAGE plpgsql"
)

# (trigger, table, the columns that fire it, which issues it refills on SQLite)
LOOKUPS = (
    ("categories_feature_on_rename", "categories", "name", "category_code = NEW.code"),
    ("statuses_feature_on_rename", "statuses", "name, type", "status = NEW.code"),
    ("areas_feature_on_rename", "areas", "name", "area_id = NEW.id"),
)


def upgrade():
    op.add_column("issues", sa.Column("feature_head", sa.Text(), nullable=True))
    op.add_column("issues", sa.Column("feature_tail", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FILL)
        op.execute(POSTGRES_REFRESH)
        op.execute(
            f"CREATE TRIGGER issue_feature BEFORE INSERT OR UPDATE OF {SOURCES} ON issues "
            "FOR EACH ROW EXECUTE FUNCTION issue_feature_fill()"
        )
        for name, table, columns, _ in LOOKUPS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION issue_feature_refresh()"
            )
        op.execute("UPDATE issues SET title = title")
    else:
        op.execute(
            f"CREATE TRIGGER issue_feature_on_insert AFTER INSERT ON issues BEGIN {SQLITE_SET} WHERE id = NEW.id; END"
        )
        op.execute(
            f"CREATE TRIGGER issue_feature_on_update AFTER UPDATE OF {SOURCES} ON issues "
            f"BEGIN {SQLITE_SET} WHERE id = NEW.id; END"
        )
        for name, table, columns, which in LOOKUPS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table} BEGIN {SQLITE_SET} WHERE {which}; END"
            )
        op.execute(SQLITE_SET)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS issue_feature ON issues")
        for name, table, _, _ in LOOKUPS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS issue_feature_fill()")
        op.execute("DROP FUNCTION IF EXISTS issue_feature_refresh()")
    else:
        for name in ("issue_feature_on_insert", "issue_feature_on_update", *(t[0] for t in LOOKUPS)):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column("issues", "feature_tail")
    op.drop_column("issues", "feature_head")
