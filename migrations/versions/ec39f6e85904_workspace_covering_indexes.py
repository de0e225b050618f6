"""workspace covering indexes: the officials' dashboard summary, charts and heat cells read only the index

Revision ID: ec39f6e85904
Revises: a79f73bc6e9a
Create Date: 2026-11-22 05:09:37.179516

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ec39f6e85904'
down_revision = 'a79f73bc6e9a'
branch_labels = None
depends_on = None


def upgrade():
    # Plain index operations (no batch mode): SQLite creates and drops indexes in place, so the
    # SpatiaLite geometry triggers on issues are left alone.
    op.create_index(
        'ix_issues_workspace', 'issues',
        ['status', 'is_hidden', 'area_id', 'category_code', 'likes_count', 'created_at', 'fixed_at', 'lat', 'lon'],
        unique=False,
    )
    op.create_index(
        'ix_issues_created_scope', 'issues', ['created_at', 'is_hidden', 'area_id', 'category_code'], unique=False
    )


def downgrade():
    op.drop_index('ix_issues_created_scope', table_name='issues')
    op.drop_index('ix_issues_workspace', table_name='issues')
