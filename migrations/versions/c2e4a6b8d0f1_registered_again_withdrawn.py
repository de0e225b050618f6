"""when an unconfirmed address was registered a second time (`users.registered_again_at`), and when a
reporter withdrew a report (`issues.withdrawn_at`)

Revision ID: c2e4a6b8d0f1
Revises: b8d0f2a4c6e8
Create Date: 2026-12-07 10:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c2e4a6b8d0f1"
down_revision = "b8d0f2a4c6e8"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("registered_again_at", sa.DateTime(), nullable=True))
    op.add_column("issues", sa.Column("withdrawn_at", sa.DateTime(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL): a batch copy of `issues` would lose its
    # triggers and trip over its geometry column on SpatiaLite.
    op.execute("ALTER TABLE issues DROP COLUMN withdrawn_at")
    op.execute("ALTER TABLE users DROP COLUMN registered_again_at")
