"""The tools members learn and teach: a curated catalogue, and any tool a member names."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

# The curated catalogue: seeded by migration 0003 (which keeps its own copy), used by the demo.
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


class Tool(db.Model):
    __tablename__ = "tools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)  # lower-cased name
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    curated: Mapped[bool] = mapped_column(default=False)


def find_or_create_tool(name: str) -> Tool:
    """The tool of that name (any case, any spacing), added to the list if it is new."""
    name = " ".join(name.split())
    key = name.lower()
    tool = db.session.scalar(sa.select(Tool).where(Tool.key == key))
    if tool is None:
        tool = Tool(name=name, key=key, curated=False)
        db.session.add(tool)
        db.session.flush()
    return tool


def catalogue() -> list[Tool]:
    """The curated tools, by name (the choices offered in forms)."""
    return list(db.session.scalars(sa.select(Tool).where(Tool.curated).order_by(Tool.name)))
