"""confirmed email: when an account confirmed its address, and reports held until their reporter does

Accounts that exist before this revision count as confirmed (they were made before confirmation
existed, and locking them out would punish residents for our change).

Revision ID: 6b2d0f4e8c31
Revises: 5a1c9e3d7b20
Create Date: 2026-12-02 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b2d0f4e8c31'
down_revision = '5a1c9e3d7b20'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): SQLite keeps the triggers on `issues` that a table copy would drop.
    op.add_column('users', sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at")
    op.add_column(
        'issues', sa.Column('awaiting_confirmation', sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('awaiting_confirmation')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
