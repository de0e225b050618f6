"""the ballots a round's tally counted, kept with the round (anonymous, in the order counted), so its
Pabulib export stays the file of the result after voters leave the group or delete their accounts

Revision ID: b7e3d9f1a2c4
Revises: a4c8e2f6b1d3
Create Date: 2026-12-05 10:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e3d9f1a2c4"
down_revision = "a4c8e2f6b1d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tally_ballots", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("tally_ballots")
