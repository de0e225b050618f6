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
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("registered_again_at")
