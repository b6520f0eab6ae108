"""Tags keep the spelling their member wrote ("ChatGPT"); `tag` stays the lower-cased
key they are matched by. Rows from before show their key until edited.

Revision ID: 0007_tag_labels
Revises: 0006_notification_actor
Create Date: 2026-12-02 03:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_tag_labels"
down_revision = "0006_notification_actor"
branch_labels = None
depends_on = None

TABLES = ("member_tags", "request_tags")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("label", sa.String(length=40), nullable=False, server_default="")
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("label")
