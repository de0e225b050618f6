"""rank indexes in ORDER BY direction

The ranked list orders by likes_count DESC, created_at, id. The old indexes ran likes_count ascending with
created_at ascending, which matches neither direction of that ORDER BY, so every ranked query sorted a
whole area (or the whole city). These match it, so the top 50 are read off the index.

Revision ID: a79f73bc6e9a
Revises: b79f6e9ef2af
Create Date: 2026-11-22 05:00:24.122171

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a79f73bc6e9a'
down_revision = 'b79f6e9ef2af'
branch_labels = None
depends_on = None


def upgrade():
    # Plain index operations (no batch mode): SQLite creates and drops indexes in place.
    op.drop_index('ix_issues_area_rank', table_name='issues')
    op.create_index(
        'ix_issues_area_rank', 'issues',
        ['area_id', sa.literal_column('likes_count DESC'), 'created_at', 'id'], unique=False,
    )
    op.drop_index('ix_issues_rank', table_name='issues')
    op.create_index(
        'ix_issues_rank', 'issues', [sa.literal_column('likes_count DESC'), 'created_at', 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_issues_rank', table_name='issues')
    op.create_index('ix_issues_rank', 'issues', ['likes_count', 'created_at'], unique=False)
    op.drop_index('ix_issues_area_rank', table_name='issues')
    op.create_index('ix_issues_area_rank', 'issues', ['area_id', 'likes_count', 'created_at'], unique=False)
