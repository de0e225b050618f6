"""tally lease: when a round's tally claim expires unless its worker renews it

Revision ID: d5e1a7c3b942
Revises: bc380c228d29
Create Date: 2026-12-02 23:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e1a7c3b942'
down_revision = 'bc380c228d29'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tally_lease_expires_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('tally_lease_expires_at')
