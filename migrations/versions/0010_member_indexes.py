"""Partial indexes for the few members the portal looks up on every board page and on
/admin/: the suspended (whose content leaves the board) and the moderators and admins.

Revision ID: 0010_member_indexes
Revises: 0009_blocks
Create Date: 2026-12-02 03:40:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0010_member_indexes"
down_revision = "0009_blocks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_members_suspended",
        "members",
        ["suspended_at"],
        sqlite_where=sa.text("suspended_at IS NOT NULL"),
        postgresql_where=sa.text("suspended_at IS NOT NULL"),
    )
    op.create_index(
        "ix_members_staff",
        "members",
        ["id"],
        sqlite_where=sa.text("is_admin = 1 OR is_moderator = 1"),
        postgresql_where=sa.text("is_admin OR is_moderator"),
    )


def downgrade():
    op.drop_index("ix_members_staff", table_name="members")
    op.drop_index("ix_members_suspended", table_name="members")
