"""when the city's cashier paid back a backing that was paid by transfer and then refunded (or handed
its money to the group's treasurer, for one moved to a pool): `backings.paid_back_at`

Revision ID: a6c8e0b2d4f7
Revises: f2c4e6a8b0d1
Create Date: 2026-12-06 21:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a6c8e0b2d4f7"
down_revision = "f2c4e6a8b0d1"
branch_labels = None
depends_on = None


def upgrade():
    # A plain nullable ADD COLUMN, as e5b7d9f1c3a2 does.
    op.add_column("backings", sa.Column("paid_back_at", sa.DateTime(), nullable=True))


def downgrade():
    # In place (SQLite >= 3.35 drops a plain column): a batch copy would drop a table others reference.
    with op.batch_alter_table("backings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("paid_back_at")
