"""Страница «Глоссарий» из docs/includes/abbreviations.md (те же записи дают подсказки на всех страницах)."""

from __future__ import annotations

import re
from pathlib import Path

ABBR_FILE = Path(__file__).resolve().parent.parent / "docs" / "includes" / "abbreviations.md"
ENTRY_RE = re.compile(r"^\*\[(.+?)\]:\s*(.+)$", re.M)


def entries(path: Path = ABBR_FILE) -> list[tuple[str, str]]:
    """Пары (сокращение, расшифровка) в порядке файла.

    >>> ("BN", "пакетная нормализация (batch normalization)") in entries()
    True
    """
    return ENTRY_RE.findall(path.read_text(encoding="utf-8"))


def glossary_table() -> str:
    rows = ["| Сокращение | Расшифровка |", "|---|---|"]
    rows += [f"| **{k}** | {v} |" for k, v in sorted(entries(), key=lambda e: e[0].lower())]
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, **kwargs) -> str:
    return markdown.replace("<!-- glossary -->", glossary_table())
