"""officials' desk: teams and members, assignments, internal notes, inbox visits, category target times

Revision ID: 8c4e1a7f2d90
Revises: 6b2d0f4e8c31
Create Date: 2026-12-03 05:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8c4e1a7f2d90"
down_revision = "6b2d0f4e8c31"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_index("ix_team_members_user_id", "team_members", ["user_id"], unique=False)
    op.create_table(
        "issue_assignments",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name="ck_issue_assignments_user_or_team"
        ),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("issue_id"),
    )
    op.create_index("ix_issue_assignments_team_id", "issue_assignments", ["team_id"], unique=False)
    op.create_index("ix_issue_assignments_user_id", "issue_assignments", ["user_id"], unique=False)
    op.create_table(
        "internal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_internal_notes_issue_created", "internal_notes", ["issue_id", "created_at"], unique=False
    )
    op.create_table(
        "inbox_visits",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("previous_at", sa.DateTime(), nullable=True),
        sa.Column("current_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "category_targets",
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("target_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("target_days > 0", name="ck_category_targets_positive"),
        sa.ForeignKeyConstraint(["category_code"], ["categories.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("category_code"),
    )


def downgrade():
    op.drop_table("category_targets")
    op.drop_table("inbox_visits")
    op.drop_index("ix_internal_notes_issue_created", table_name="internal_notes")
    op.drop_table("internal_notes")
    op.drop_index("ix_issue_assignments_user_id", table_name="issue_assignments")
    op.drop_index("ix_issue_assignments_team_id", table_name="issue_assignments")
    op.drop_table("issue_assignments")
    op.drop_index("ix_team_members_user_id", table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("teams")
