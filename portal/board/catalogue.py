"""The curated tool catalogue (seeded by migration 0003; the demo command reuses it)."""

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
