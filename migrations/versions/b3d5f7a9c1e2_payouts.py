"""payouts: money paid from a funded problem's committed money to a contractor or a department

Revision ID: b3d5f7a9c1e2
Revises: 9b3e5c7a1f24
Create Date: 2026-12-03 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5f7a9c1e2'
down_revision = '9b3e5c7a1f24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('payee_kind', sa.String(length=12), nullable=False),
    sa.Column('payee_name', sa.String(length=120), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('invoice_ref', sa.String(length=80), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.ForeignKeyConstraint(['posting_id'], ['ledger_postings.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('posting_id')
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index('ix_payouts_issue', ['issue_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index('ix_payouts_issue')

    op.drop_table('payouts')
