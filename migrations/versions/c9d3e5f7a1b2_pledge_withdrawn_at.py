"""a pledger withdraws their own pending pledge: when, kept on the pledge (its status becomes
"withdrawn"; the row stays, as money history does)

Revision ID: c9d3e5f7a1b2
Revises: b7e3d9f1a2c4
Create Date: 2026-12-05 13:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c9d3e5f7a1b2"
down_revision = "b7e3d9f1a2c4"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy), as 8c4e2b7a1d93 does: a nullable column needs no table rebuild
    # on SQLite, and status is a free string column, so "withdrawn" needs no constraint change.
    op.add_column("pledges", sa.Column("withdrawn_at", sa.DateTime(), nullable=True))


def downgrade():
    # Pledges withdrawn meanwhile stay "withdrawn" (a status the older code lists as it is, never as money).
    # In place (SQLite >= 3.35 drops a plain column): a batch copy would drop the pledges table, which
    # ledger postings reference, and SQLite's foreign keys refuse that once any posting names a pledge.
    with op.batch_alter_table("pledges", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("withdrawn_at")
