"""round certification and voting windows: provisional results certified by an official; opening and
closing times, minimum turnout and reminders

Rounds tallied before this revision posted their money at the tally, so they count as certified.

Revision ID: 8c4e2a6f1d93
Revises: 3f6a1c2d9b47
Create Date: 2026-12-03 04:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4e2a6f1d93'
down_revision = '3f6a1c2d9b47'
branch_labels = None
depends_on = None

TIMES = (
    'certified_at',
    'sent_back_at',
    'opens_at',
    'closes_at',
    'voting_closed_at',
    'reminders_sent_at',
    'turnout_released_at',
)


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_status', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('certified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('official_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('min_turnout', sa.Integer(), nullable=True))
        for name in TIMES:
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            'fk_rounds_certified_by_id_users', 'users', ['certified_by_id'], ['id'], ondelete='SET NULL'
        )
    op.execute(
        "UPDATE rounds SET result_status = 'certified', certified_at = tallied_at, "
        "voting_closed_at = tallied_at WHERE phase IN ('tallied', 'closed')"
    )


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint('fk_rounds_certified_by_id_users', type_='foreignkey')
        for name in reversed(TIMES):
            batch_op.drop_column(name)
        batch_op.drop_column('min_turnout')
        batch_op.drop_column('official_note')
        batch_op.drop_column('certified_by_id')
        batch_op.drop_column('result_status')
