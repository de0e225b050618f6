"""payout idempotency keys: a payout form sent twice or an API retry records one payout

Revision ID: c6e2f8a4b1d9
Revises: b3d5f7a9c1e2
Create Date: 2026-12-05 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6e2f8a4b1d9'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=120), nullable=True))
        batch_op.create_index(
            'ux_payouts_recorder_key', ['recorded_by_id', 'idempotency_key'], unique=True
        )


def downgrade():
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index('ux_payouts_recorder_key')
        batch_op.drop_column('idempotency_key')
