"""when an issue's public words last changed (`issues.edited_at`), for its feed entry's <updated>

Revision ID: f6b8d0a2c4e7
Revises: e5a7c9b1d3f2
Create Date: 2026-12-07 16:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f6b8d0a2c4e7"
down_revision = "e5a7c9b1d3f2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("issues", sa.Column("edited_at", sa.DateTime(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL), as d4f6a8c0e2b3's downgrade.
    op.execute("ALTER TABLE issues DROP COLUMN edited_at")
