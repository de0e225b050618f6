"""whether a resident gets the news of funding rounds they may vote in by email (`users.round_news`)

Revision ID: d4f6a8c0e2b3
Revises: c2e4a6b8d0f1
Create Date: 2026-12-07 13:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4f6a8c0e2b3"
down_revision = "c2e4a6b8d0f1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("round_news", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL), as c2e4a6b8d0f1's downgrade.
    op.execute("ALTER TABLE users DROP COLUMN round_news")
