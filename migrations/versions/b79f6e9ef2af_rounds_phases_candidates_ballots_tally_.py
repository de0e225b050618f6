"""rounds: participatory-budgeting rounds of a pool, candidate snapshots, ballots (one per member), tally jobs

Revision ID: b79f6e9ef2af
Revises: b3c1abbf8a31
Create Date: 2026-11-22 04:53:54.604899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b79f6e9ef2af'
down_revision = 'b3c1abbf8a31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('ballot', sa.String(length=20), nullable=False),
    sa.Column('k', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('top_n', sa.Integer(), nullable=False),
    sa.Column('match_num', sa.Integer(), nullable=True),
    sa.Column('match_den', sa.Integer(), nullable=True),
    sa.Column('match_cap_cents', sa.BigInteger(), nullable=True),
    sa.Column('leftover', sa.String(length=10), nullable=False),
    sa.Column('has_voting_phase', sa.Boolean(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('tally_token', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('pledging_at', sa.DateTime(), nullable=True),
    sa.Column('voting_at', sa.DateTime(), nullable=True),
    sa.Column('tallied_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('pool_cents', sa.BigInteger(), nullable=True),
    sa.Column('match_cents', sa.BigInteger(), nullable=True),
    sa.Column('budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('spent_cents', sa.BigInteger(), nullable=True),
    sa.Column('leftover_cents', sa.BigInteger(), nullable=True),
    sa.Column('ballots_count', sa.Integer(), nullable=True),
    sa.Column('members_count', sa.Integer(), nullable=True),
    sa.Column('engine_notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.create_index('ix_rounds_group_created', ['group_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rounds_pool_id'), ['pool_id'], unique=False)

    op.create_table('round_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'user_id', name='uq_round_ballots_round_user')
    )
    with op.batch_alter_table('round_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_ballots_user_id'), ['user_id'], unique=False)

    op.create_table('round_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('funded', sa.Boolean(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'issue_id', name='uq_round_candidates_round_issue')
    )
    with op.batch_alter_table('round_candidates', schema=None) as batch_op:
        batch_op.create_index('ix_round_candidates_issue_funded', ['issue_id', 'funded'], unique=False)

    op.create_table('tally_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('tally_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_jobs_round_id'), ['round_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tally_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_jobs_round_id'))

    op.drop_table('tally_jobs')
    with op.batch_alter_table('round_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_round_candidates_issue_funded')

    op.drop_table('round_candidates')
    with op.batch_alter_table('round_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_ballots_user_id'))

    op.drop_table('round_ballots')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rounds_pool_id'))
        batch_op.drop_index('ix_rounds_group_created')

    op.drop_table('rounds')
