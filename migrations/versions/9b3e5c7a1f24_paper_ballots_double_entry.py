"""paper ballots of a round (one per voting code or census entry) and their double entries by officials

Revision ID: 9b3e5c7a1f24
Revises: b3c71f0e9a52
Create Date: 2026-12-03 07:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b3e5c7a1f24'
down_revision = 'b3c71f0e9a52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('voting_code_id', sa.Integer(), nullable=True),
    sa.Column('census_entry_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entries_count', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['census_entry_id'], ['census_entries.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voting_code_id'], ['voting_codes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'census_entry_id', name='uq_paper_ballots_round_census'),
    sa.UniqueConstraint('voting_code_id', name='uq_paper_ballots_code')
    )
    with op.batch_alter_table('paper_ballots', schema=None) as batch_op:
        batch_op.create_index('ix_paper_ballots_round_status', ['round_id', 'status'], unique=False)

    op.create_table('paper_ballot_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_ballot_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['official_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['paper_ballot_id'], ['paper_ballots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('paper_ballot_id', 'official_id', name='uq_paper_ballot_entries_official')
    )
    with op.batch_alter_table('paper_ballot_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_ballot_entries_paper_ballot_id'), ['paper_ballot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('paper_ballot_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_ballot_entries_paper_ballot_id'))

    op.drop_table('paper_ballot_entries')
    with op.batch_alter_table('paper_ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_paper_ballots_round_status')

    op.drop_table('paper_ballots')
