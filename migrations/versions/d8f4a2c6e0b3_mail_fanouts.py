"""mail fan-outs: one event's mail to many recipients, queued by a worker instead of the request

Revision ID: d8f4a2c6e0b3
Revises: c6e2f8a4b1d9
Create Date: 2026-12-05 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f4a2c6e0b3'
down_revision = 'c6e2f8a4b1d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_fanouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mail_fanouts', schema=None) as batch_op:
        batch_op.create_index('ix_mail_fanouts_open', ['done_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_fanouts', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_fanouts_open')

    op.drop_table('mail_fanouts')
