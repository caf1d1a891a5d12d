"""Колода Anki из экзамена: по карточке на билет (план ответа), вопрос теорминимума, вопрос
собеседования и углубляющий вопрос (короткий ответ). Файл сайта — assets/handbook.apkg.

Ответы не пишутся второй раз: берутся со страниц — блок «Коротко» (``!!! answer``) под меткой
вопроса и пункты «Плана ответа». Формулы переводятся в разметку MathJax, которую понимает Anki.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import sys
import tempfile
from pathlib import Path

import genanki
import markdown as md
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # MkDocs грузит хук по пути файла; hooks.exam — соседний модуль
    sys.path.insert(0, str(ROOT))

from hooks.exam import load_exam, ticket_heading  # noqa: E402
DOCS = ROOT / "docs"
MODEL_ID = 1_607_392_319  # постоянные id: повторный импорт обновляет карточки, а не дублирует
DECK_ID = 2_059_400_110

MODEL = genanki.Model(
    MODEL_ID, "Справочник DL: вопрос–ответ",
    fields=[{"name": "Вопрос"}, {"name": "Ответ"}, {"name": "Где"}],
    templates=[{"name": "Карточка", "qfmt": "{{Вопрос}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Ответ}}<p style="font-size:80%">{{Где}}</p>'}],
)


def block_after_label(text: str, label: str) -> str | None:
    """Короткий ответ под строкой-меткой ``#… @label``: блок ``!!! answer`` сразу после неё.

    >>> block_after_label('### @q01\\n\\n!!! answer "Коротко"\\n    Да, $x$.\\n    Всё.\\n\\nДалее.', "q01")
    'Да, $x$.\\nВсё.'
    >>> block_after_label("### @q01\\n\\n**Да.**\\n", "q01") is None
    True
    """
    m = re.search(rf"^#+ @{re.escape(label)}[ \t]*\n+!!! answer[^\n]*\n((?:(?:    [^\n]*)?\n)+)",
                  text + "\n", re.M)
    if not m:
        return None
    body = "\n".join(line[4:] for line in m.group(1).rstrip().split("\n"))
    return body.strip() or None


def answer_plan(text: str) -> list[str]:
    """Пункты блока «План ответа».

    >>> answer_plan('!!! abstract "План ответа"\\n    1. Раз.\\n    2. Два.\\n\\nТекст')
    ['Раз.', 'Два.']
    """
    m = re.search(r'!!! abstract "План ответа"\n\n?((?:    .*\n?)+)', text)
    return re.findall(r"^    \d+\.\s+(.*)$", m.group(1), re.M) if m else []


def to_html(markdown_text: str) -> str:
    """Markdown ответа -> HTML для Anki: $…$ -> \\(…\\), ссылки -> текст.

    >>> to_html("**Градиент $\\\\nabla f$** [тут](x.md)")
    '<p><strong>Градиент \\\\(\\\\nabla f\\\\)</strong> тут</p>'
    """
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown_text)
    stash: list[str] = []

    def keep(m: re.Match) -> str:
        stash.append(m.group(0))
        return f"\x00{len(stash) - 1}\x00"

    text = re.sub(r"\$\$.+?\$\$|\$[^$\n]+?\$", keep, text, flags=re.S)
    html = md.markdown(text)
    for i, formula in enumerate(stash):
        tex = html_lib.escape(formula.strip("$"), quote=False)  # «<» в формуле — не тег
        wrapped = f"\\[{tex}\\]" if formula.startswith("$$") else f"\\({tex}\\)"
        html = html.replace(f"\x00{i}\x00", wrapped)
    return html


def _note(question: str, answer_md: str, where: str) -> genanki.Note:
    guid = hashlib.sha1(question.encode()).hexdigest()[:10]
    return genanki.Note(model=MODEL, fields=[question, to_html(answer_md), where], guid=guid)


def build_deck(docs: Path = DOCS) -> tuple[genanki.Deck, list[str]]:
    """Колода и список вопросов, на которые на страницах пока нет короткого ответа."""
    data = load_exam()
    deck = genanki.Deck(DECK_ID, "Глубокое обучение — справочник к экзамену")
    missing = []
    texts = {}

    def page_text(page: str) -> str:
        if page not in texts:
            path = docs / page
            texts[page] = path.read_text(encoding="utf-8") if path.exists() else ""
        return texts[page]

    for t in data["tickets"]:
        plan = answer_plan(page_text(t["page"]))
        if plan:
            answer = "\n".join(f"{i}. {p}" for i, p in enumerate(plan, 1))
            deck.add_note(_note(f"{ticket_heading(t)}: план ответа", answer, ""))
        elif not t.get("appendix"):
            missing.append(t["id"])
    items = [(q, data["index"][q["ticket"]]["page"], q["text"]) for q in data["theory"]]
    for b in data["interview"]:
        for s in b["sections"]:
            for q in s["questions"]:
                items.append((q, b["page"], f"Собеседование, вопрос {q['number']}. {q['text']}"))
                items += [(f, b["page"], f["text"]) for f in q["followups"]]
    for item, page, question in items:
        short = block_after_label(page_text(page), item["id"])
        if short:
            where = ticket_heading(data["index"][item["ticket"]]) if "ticket" in item else "Собеседование"
            deck.add_note(_note(question, short, where))
        else:
            missing.append(item["id"])
    return deck, missing


def deck_bytes() -> bytes:
    """Файл .apkg колоды (genanki пишет только в файл — пишем во временный)."""
    deck, _ = build_deck()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "handbook.apkg"
        genanki.Package(deck).write_to_file(str(path))
        return path.read_bytes()


def on_files(files, config, **kwargs):
    # Файл сайта, а не запись после сборки: так MkDocs проверяет ссылку на него со страниц.
    files.append(File.generated(config, "assets/handbook.apkg", content=deck_bytes()))
    return files
