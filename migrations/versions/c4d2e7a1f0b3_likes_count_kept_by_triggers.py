"""likes_count kept by triggers: every like row added or removed moves its issue's count, whatever adds it

A like is then one INSERT (or DELETE), so SQLite's write lock is held for one statement; and the count can
no longer drift from the rows (duplicate merges, account deletion cascades and bulk loads included).

Revision ID: c4d2e7a1f0b3
Revises: ec39f6e85904
Create Date: 2026-11-22 07:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d2e7a1f0b3'
down_revision = 'ec39f6e85904'
branch_labels = None
depends_on = None

RECOUNT = "UPDATE issues SET likes_count = (SELECT count(*) FROM likes WHERE likes.issue_id = issues.id)"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Statement-level with transition tables: a bulk INSERT ... SELECT (a duplicate merge, the demo
        # loader) updates each issue once, not once per like.
        op.execute(
            "CREATE FUNCTION likes_count_add() RETURNS trigger AS $$ BEGIN "
            "UPDATE issues SET likes_count = issues.likes_count + n.added "
            "FROM (SELECT issue_id, count(*) AS added FROM added_likes GROUP BY issue_id) AS n "
            "WHERE issues.id = n.issue_id; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE FUNCTION likes_count_take() RETURNS trigger AS $$ BEGIN "
            "UPDATE issues SET likes_count = issues.likes_count - n.taken "
            "FROM (SELECT issue_id, count(*) AS taken FROM taken_likes GROUP BY issue_id) AS n "
            "WHERE issues.id = n.issue_id; RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER likes_count_on_insert AFTER INSERT ON likes REFERENCING NEW TABLE AS added_likes "
            "FOR EACH STATEMENT EXECUTE FUNCTION likes_count_add()"
        )
        op.execute(
            "CREATE TRIGGER likes_count_on_delete AFTER DELETE ON likes REFERENCING OLD TABLE AS taken_likes "
            "FOR EACH STATEMENT EXECUTE FUNCTION likes_count_take()"
        )
    else:
        op.execute(
            "CREATE TRIGGER likes_count_on_insert AFTER INSERT ON likes BEGIN "
            "UPDATE issues SET likes_count = likes_count + 1 WHERE id = NEW.issue_id; END"
        )
        op.execute(
            "CREATE TRIGGER likes_count_on_delete AFTER DELETE ON likes BEGIN "
            "UPDATE issues SET likes_count = likes_count - 1 WHERE id = OLD.issue_id; END"
        )
    op.execute(RECOUNT)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS likes_count_on_insert ON likes")
        op.execute("DROP TRIGGER IF EXISTS likes_count_on_delete ON likes")
        op.execute("DROP FUNCTION IF EXISTS likes_count_add()")
        op.execute("DROP FUNCTION IF EXISTS likes_count_take()")
    else:
        op.execute("DROP TRIGGER IF EXISTS likes_count_on_insert")
        op.execute("DROP TRIGGER IF EXISTS likes_count_on_delete")
