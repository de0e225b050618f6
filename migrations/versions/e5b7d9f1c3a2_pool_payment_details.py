"""a pool's payment details: where residents send the money they pledge (an account, whom to hand cash
to), set by the group's treasurers and shown beside every pledge

Revision ID: e5b7d9f1c3a2
Revises: c9d3e5f7a1b2
Create Date: 2026-12-06 09:15:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5b7d9f1c3a2"
down_revision = "c9d3e5f7a1b2"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, as c9d3e5f7a1b2 does; NOT NULL with a server default fills existing pools with "".
    op.add_column(
        "pools", sa.Column("payment_details", sa.String(length=300), nullable=False, server_default="")
    )


def downgrade():
    # In place (SQLite >= 3.35 drops a plain column): a batch copy would drop the pools table, which
    # pledges and ledger postings reference.
    with op.batch_alter_table("pools", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("payment_details")
