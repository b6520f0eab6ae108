"""The member's interface language ('en' or 'hi'): the pages they see and the mails they
get. Not `language`, which is the language they want to meet in (en, hi, Hinglish).

Revision ID: 0011_member_locale
Revises: 0010_member_indexes
Create Date: 2026-12-03 09:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0011_member_locale"
down_revision = "0010_member_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("locale", sa.String(5), nullable=False, server_default="en")
        )


def downgrade():
    with op.batch_alter_table("members") as batch:
        batch.drop_column("locale")
