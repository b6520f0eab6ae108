"""The board: tools (with the curated catalogue), requests, answers, pairings,
notifications, and when a member first saw each primer.

Revision ID: 0003_board
Revises: 0002_members
Create Date: 2026-11-25 19:13:46.465862

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_board'
down_revision = '0002_members'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_state'))
    )
    op.bulk_insert(
        sa.table("board_state", sa.column("id", sa.Integer), sa.column("version", sa.Integer)),
        [{"id": 1, "version": 0}],
    )
    op.create_table('tools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('curated', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tools')),
    sa.UniqueConstraint('key', name=op.f('uq_tools_key'))
    )
    # The catalogue as it was when this migration was written (app code may change).
    TOOLS = [
        ("ChatGPT", "AI assistants"),
        ("Claude", "AI assistants"),
        ("Gemini", "AI assistants"),
        ("Microsoft Copilot", "AI assistants"),
        ("Perplexity", "AI assistants"),
        ("GitHub Copilot", "Coding assistants"),
        ("Cursor", "Coding assistants"),
        ("Copilot in Excel", "Spreadsheet AI"),
        ("Gemini in Google Sheets", "Spreadsheet AI"),
        ("Power BI Copilot", "Spreadsheet AI"),
        ("Otter.ai", "Meeting notes"),
        ("Zoom AI Companion", "Meeting notes"),
        ("Microsoft Teams Copilot", "Meeting notes"),
        ("Notion AI", "Writing and notes"),
        ("Grammarly", "Writing and notes"),
        ("Canva Magic Studio", "Design"),
        ("Prompt writing", "Prompting"),
        ("NotebookLM", "Research"),
        ("WhatsApp Business", "Everyday tools"),
        ("UPI and digital payments", "Everyday tools"),
    ]

    tools = sa.table(
        "tools",
        sa.column("name", sa.String),
        sa.column("key", sa.String),
        sa.column("category", sa.String),
        sa.column("curated", sa.Boolean),
    )
    op.bulk_insert(
        tools,
        [{"name": n, "key": n.lower(), "category": c, "curated": True} for n, c in TOOLS],
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notifications_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_member_read', ['member_id', 'read_at'], unique=False)

    op.create_table('pairing_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('seeking', 'offering', name='kind', native_enum=False, length=12), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('cadence', sa.String(length=80), nullable=False),
    sa.Column('in_person', sa.Boolean(), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('open', 'matched', 'closed', 'withdrawn', 'expired', name='status', native_enum=False, length=12), nullable=False),
    sa.Column('answer_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_pairing_requests_author_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tool_id'], ['tools.id'], name=op.f('fk_pairing_requests_tool_id_tools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_requests'))
    )
    with op.batch_alter_table('pairing_requests', schema=None) as batch_op:
        batch_op.create_index('ix_pairing_requests_author_status', ['author_id', 'status'], unique=False)
        batch_op.create_index('ix_pairing_requests_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_pairing_requests_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_pairing_requests_status_kind_created', ['status', 'kind', 'created_at'], unique=False)
        batch_op.create_index('ix_pairing_requests_tool_status_created', ['tool_id', 'status', 'created_at'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', 'withdrawn', name='answerstatus', native_enum=False, length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_answers_author_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['pairing_requests.id'], name=op.f('fk_answers_request_id_pairing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_answers_request_created', ['request_id', 'created_at'], unique=False)
        batch_op.create_index('uq_answers_one_accepted', ['request_id'], unique=True, sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
        batch_op.create_index('uq_answers_one_live_per_member', ['request_id', 'author_id'], unique=True, sqlite_where=sa.text("status IN ('open', 'accepted')"), postgresql_where=sa.text("status IN ('open', 'accepted')"))

    op.create_table('request_tags',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['pairing_requests.id'], name=op.f('fk_request_tags_request_id_pairing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'tag', name=op.f('pk_request_tags'))
    )
    with op.batch_alter_table('request_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_tags_tag'), ['tag'], unique=False)

    op.create_table('pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('senior_id', sa.Integer(), nullable=False),
    sa.Column('junior_id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_pairings_answer_id_answers')),
    sa.ForeignKeyConstraint(['junior_id'], ['members.id'], name=op.f('fk_pairings_junior_id_members')),
    sa.ForeignKeyConstraint(['request_id'], ['pairing_requests.id'], name=op.f('fk_pairings_request_id_pairing_requests')),
    sa.ForeignKeyConstraint(['senior_id'], ['members.id'], name=op.f('fk_pairings_senior_id_members')),
    sa.ForeignKeyConstraint(['tool_id'], ['tools.id'], name=op.f('fk_pairings_tool_id_tools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairings')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_pairings_answer_id')),
    sa.UniqueConstraint('request_id', name=op.f('uq_pairings_request_id'))
    )
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairings_junior_id'), ['junior_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairings_senior_id'), ['senior_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teaching_primer_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('asking_primer_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('asking_primer_at')
        batch_op.drop_column('teaching_primer_at')

    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairings_senior_id'))
        batch_op.drop_index(batch_op.f('ix_pairings_junior_id'))

    op.drop_table('pairings')
    with op.batch_alter_table('request_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_tags_tag'))

    op.drop_table('request_tags')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('uq_answers_one_live_per_member', sqlite_where=sa.text("status IN ('open', 'accepted')"), postgresql_where=sa.text("status IN ('open', 'accepted')"))
        batch_op.drop_index('uq_answers_one_accepted', sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
        batch_op.drop_index('ix_answers_request_created')
        batch_op.drop_index('ix_answers_author_created')

    op.drop_table('answers')
    with op.batch_alter_table('pairing_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_pairing_requests_tool_status_created')
        batch_op.drop_index('ix_pairing_requests_status_kind_created')
        batch_op.drop_index('ix_pairing_requests_status_created')
        batch_op.drop_index('ix_pairing_requests_author_status')
        batch_op.drop_index('ix_pairing_requests_created')

    op.drop_table('pairing_requests')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_member_read')

    op.drop_table('notifications')
    op.drop_table('tools')
    op.drop_table('board_state')
