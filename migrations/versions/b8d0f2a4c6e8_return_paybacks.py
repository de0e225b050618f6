"""when the city's cashier paid back a resident's part of a fix's unspent money (a return posting's
line into resident:<id>): `return_paybacks`

Revision ID: b8d0f2a4c6e8
Revises: a6c8e0b2d4f7
Create Date: 2026-12-07 02:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8d0f2a4c6e8"
down_revision = "a6c8e0b2d4f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "return_paybacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("paid_back_at", sa.DateTime(), nullable=False),
        sa.Column("paid_back_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["line_id"], ["ledger_lines.id"]),
        sa.ForeignKeyConstraint(["paid_back_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("line_id"),
    )


def downgrade():
    op.drop_table("return_paybacks")
