"""Notifications remember whose doing they tell of, so that a member who leaves takes
their name out of other members' notices.

Revision ID: 0006_notification_actor
Revises: 0005_outbox
Create Date: 2026-12-01 23:45:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0006_notification_actor"
down_revision = "0005_outbox"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_actor_id"), ["actor_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_actor_id_members"),
            "members",
            ["actor_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_actor_id_members"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_actor_id"))
        batch_op.drop_column("actor_id")
