"""anonymous flags: a deleted account's open flags stay for moderators without naming the flagger;
accounts deleted before now lose their links to flags, census entries and voting codes as new deletions do

Revision ID: a4c8e2f6b1d3
Revises: d8f4a2c6e0b3
Create Date: 2026-12-05 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c8e2f6b1d3'
down_revision = 'd8f4a2c6e0b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
    tombstones = "SELECT id FROM users WHERE deleted_at IS NOT NULL"
    op.execute(f"UPDATE flags SET user_id = NULL WHERE user_id IN ({tombstones})")
    op.execute(
        f"UPDATE census_entries SET user_id = NULL, verified_at = NULL WHERE user_id IN ({tombstones})"
    )
    op.execute(f"UPDATE voting_codes SET user_id = NULL WHERE user_id IN ({tombstones})")


def downgrade():
    # Before this revision every flag names its flagger: anonymous ones have no one to go back to.
    op.execute("DELETE FROM flags WHERE user_id IS NULL")
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
