"""Blocks: one row per block, read from either side (the primary key, and blocked_id).

Revision ID: 0009_blocks
Revises: 0008_moderation
Create Date: 2026-12-02 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_blocks"
down_revision = "0008_moderation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_blocks",
        sa.Column("blocker_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocker_id"],
            ["members.id"],
            name=op.f("fk_member_blocks_blocker_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["members.id"],
            name=op.f("fk_member_blocks_blocked_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_member_blocks")),
    )
    op.create_index(
        op.f("ix_member_blocks_blocked_id"), "member_blocks", ["blocked_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_member_blocks_blocked_id"), table_name="member_blocks")
    op.drop_table("member_blocks")
