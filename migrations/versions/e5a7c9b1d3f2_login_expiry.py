"""when each login ends on its own (`login_sessions.expires_at`)

Revision ID: e5a7c9b1d3f2
Revises: d4f6a8c0e2b3
Create Date: 2026-12-07 16:00:00.000000

"""

from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5a7c9b1d3f2"
down_revision = "d4f6a8c0e2b3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("login_sessions", sa.Column("expires_at", sa.DateTime(), nullable=True))
    # Logins made before logins expired get the longest lifetime ("Keep me logged in", 30 days) from now.
    until = (datetime.now(timezone.utc) + timedelta(days=30)).replace(tzinfo=None)
    op.execute(sa.text("UPDATE login_sessions SET expires_at = :until").bindparams(until=until))
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
