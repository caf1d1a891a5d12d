"""Страница «Глоссарий» из docs/includes/abbreviations.md (те же записи дают подсказки на всех страницах).

Подсказки — словарь ``glossary`` расширения abbr, а не текст, дописанный к каждому Markdown
(pymdownx.snippets ``auto_append``): тот дописывался к каждой странице, докстрингу и выводу
кода, и abbr разбирал его построчно, каждый раз заново сканируя остаток (~70 % разбора блоков).
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.plugins import event_priority

ABBR_FILE = Path(__file__).resolve().parent.parent / "docs" / "includes" / "abbreviations.md"
ENTRY_RE = re.compile(r"^\*\[(.+?)\]:\s*(.+)$", re.M)


def entries(path: Path = ABBR_FILE) -> list[tuple[str, str]]:
    """Пары (сокращение, расшифровка) в порядке файла.

    >>> ("BN", "пакетная нормализация (batch normalization)") in entries()
    True
    """
    return ENTRY_RE.findall(path.read_text(encoding="utf-8"))


def abbr_glossary(path: Path = ABBR_FILE) -> dict[str, str]:
    """Словарь для ``abbr: glossary``; пробелы по краям срезаны, как это делает сам abbr.

    >>> abbr_glossary()["BN"]
    'пакетная нормализация (batch normalization)'
    """
    return {k.strip(): v.strip() for k, v in entries(path)}


@event_priority(100)  # раньше mkdocstrings: он берёт mdx_configs при своей настройке
def on_config(config, **kwargs):
    abbr = config["mdx_configs"].setdefault("abbr", {})
    abbr["glossary"] = {**abbr_glossary(), **abbr.get("glossary", {})}
    return config


def glossary_table() -> str:
    rows = ["| Сокращение | Расшифровка |", "|---|---|"]
    rows += [f"| **{k}** | {v} |" for k, v in sorted(entries(), key=lambda e: e[0].lower())]
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, **kwargs) -> str:
    return markdown.replace("<!-- glossary -->", glossary_table())
