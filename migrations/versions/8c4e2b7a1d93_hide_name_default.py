"""hide my name on new reports: each account's default for the report form and the API

Revision ID: 8c4e2b7a1d93
Revises: 8c4e1a7f2d90
Create Date: 2026-12-03 04:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4e2b7a1d93'
down_revision = '8c4e1a7f2d90'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy), as 6b2d0f4e8c31 does: a table copy would drop triggers.
    op.add_column(
        'users', sa.Column('hide_name_default', sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('hide_name_default')
