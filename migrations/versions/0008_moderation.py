"""Moderation: moderators, suspensions, hidden content, reports and the audit log.

Revision ID: 0008_moderation
Revises: 0007_tag_labels
Create Date: 2026-12-02 03:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0008_moderation"
down_revision = "0007_tag_labels"
branch_labels = None
depends_on = None

# What moderators can hide: each keeps when, and the reason its author is shown.
HIDEABLE = ("members", "pairing_requests", "answers", "pairing_messages")


def upgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_moderator", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("suspended_until", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("suspension_reason", sa.String(length=500), nullable=False, server_default="")
        )
    for table in HIDEABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("hidden_at", sa.DateTime(), nullable=True))
            batch_op.add_column(
                sa.Column("hidden_reason", sa.String(length=200), nullable=False, server_default="")
            )

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("item_kind", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["members.id"], name=op.f("fk_reports_reporter_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_reports_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["members.id"], name=op.f("fk_reports_closed_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index("ix_reports_item", "reports", ["item_kind", "item_id"])
    op.create_index("ix_reports_open", "reports", ["closed_at", "created_at"])
    op.create_index(
        "uq_reports_one_live_per_member",
        "reports",
        ["reporter_id", "item_kind", "item_id"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("item_kind", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["members.id"], name=op.f("fk_audit_log_actor_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_audit_log_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])


def downgrade():
    op.drop_index("ix_audit_log_created_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("uq_reports_one_live_per_member", table_name="reports")
    op.drop_index("ix_reports_open", table_name="reports")
    op.drop_index("ix_reports_item", table_name="reports")
    op.drop_table("reports")
    for table in reversed(HIDEABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hidden_reason")
            batch_op.drop_column("hidden_at")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_until")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("is_moderator")
