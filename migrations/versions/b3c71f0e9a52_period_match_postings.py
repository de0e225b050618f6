"""the city's quadratic match as posted when a matching period closes (one row per period and problem);
an index covering the match's grouped read of a period's backings

Revision ID: b3c71f0e9a52
Revises: 0ede18de5b4e
Create Date: 2026-12-03 08:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c71f0e9a52'
down_revision = '0ede18de5b4e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('period_match_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('match_cents', sa.BigInteger(), nullable=False),
    sa.Column('ideal_cents', sa.BigInteger(), nullable=False),
    sa.Column('backed_cents', sa.BigInteger(), nullable=False),
    sa.Column('backers', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ),
    sa.ForeignKeyConstraint(['period_id'], ['matching_periods.id'], ),
    sa.ForeignKeyConstraint(['posting_id'], ['ledger_postings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_id', 'issue_id', name='uq_period_match_postings_problem')
    )
    with op.batch_alter_table('period_match_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_match_postings_issue_id'), ['issue_id'], unique=False)

    with op.batch_alter_table('backings', schema=None) as batch_op:
        batch_op.create_index(
            'ix_backings_period_contributions',
            ['period_id', 'issue_id', 'user_id', 'status', 'amount_cents'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('backings', schema=None) as batch_op:
        batch_op.drop_index('ix_backings_period_contributions')

    with op.batch_alter_table('period_match_postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_match_postings_issue_id'))

    op.drop_table('period_match_postings')
