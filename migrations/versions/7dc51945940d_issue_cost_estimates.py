"""issue cost estimates: the nullable cost (cents) that makes an open issue a round candidate

Revision ID: 7dc51945940d
Revises: 8e0d229c2ba4
Create Date: 2026-11-22 04:51:38.850058

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7dc51945940d'
down_revision = '8e0d229c2ba4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_estimate_cents', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('cost_estimate_cents')
