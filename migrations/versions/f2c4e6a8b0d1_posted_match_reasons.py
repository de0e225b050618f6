"""a closed matching period keeps why its matches are what they are: whether the fund was shared
(`matching_periods.fund_short`) and which problems their cost's need held back
(`period_match_postings.filled`); NULL for periods closed before, read as before

Revision ID: f2c4e6a8b0d1
Revises: e5b7d9f1c3a2
Create Date: 2026-12-06 21:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f2c4e6a8b0d1"
down_revision = "e5b7d9f1c3a2"
branch_labels = None
depends_on = None


def upgrade():
    # Plain nullable ADD COLUMNs, as e5b7d9f1c3a2 does.
    op.add_column("matching_periods", sa.Column("fund_short", sa.Boolean(), nullable=True))
    op.add_column("period_match_postings", sa.Column("filled", sa.Boolean(), nullable=True))


def downgrade():
    # In place (SQLite >= 3.35 drops a plain column): a batch copy would drop tables others reference.
    with op.batch_alter_table("period_match_postings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("filled")
    with op.batch_alter_table("matching_periods", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("fund_short")
