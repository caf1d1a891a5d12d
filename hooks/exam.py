"""Структура экзамена из data/exam.yml -> заголовки, таблицы и перекрёстные ссылки.

Единственный источник текстов билетов и вопросов — data/exam.yml. На страницах пишутся
только метки, хук подставляет текст дословно и ставит якорь:

    # @t05          -> # Билет 5. <название билета>
    ### @q09        -> ### <вопрос теорминимума> {#q09}
    # @b1           -> # Блок 1. <название блока собеседования>
    ## @s1.1        -> ## 1.1 <название раздела>
    ### @i03        -> ### Вопрос 3. <текст> {#i03} + подсказка + ссылки на билеты
    #### @i03-2     -> #### <углубляющий вопрос> {#i03-2}

Сгенерированные блоки: строка ``<!-- exam:tickets -->`` (таблица билетов),
``<!-- exam:theory -->`` (28 вопросов со ссылками), ``<!-- exam:interview -->``
(оглавление банка вопросов). Перед «## Источники» на странице билета вставляется
список связанных вопросов собеседования.

Если на странице нет якоря, который ей положен по данным, сборка падает с сообщением,
где названы файл и недостающие метки.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
from pathlib import Path

import yaml
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.exam")

DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "exam.yml"
LABEL_RE = re.compile(r"^(#{1,6})[ \t]+@([tqbsi][\d.\-]+)[ \t]*$", re.M)
SOURCES_RE = re.compile(r"^## Источники[ \t]*$", re.M)


def load_exam(path: Path = DATA_PATH) -> dict:
    """Читает data/exam.yml и строит индексы по id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    index: dict[str, dict] = {}
    for t in data["tickets"]:
        index[t["id"]] = t
    for q in data["theory"]:
        index[q["id"]] = q
    for b in data["interview"]:
        index[b["id"]] = b
        for s in b["sections"]:
            s["block"] = b
            index["s" + s["number"]] = s
            for q in s["questions"]:
                q["block"] = b
                index[q["id"]] = q
                for f in q["followups"]:
                    f["question"] = q
                    index[f["id"]] = f
    data["index"] = index
    return data


def ticket_heading(t: dict) -> str:
    """«Билет N. Название» (точка в конце заголовка опускается)."""
    title = t["title"].rstrip(".")
    return f"Приложение. {title}" if t.get("appendix") else f"Билет {t['number']}. {title}"


def link(from_page: str, to_page: str, anchor: str = "") -> str:
    """Относительная ссылка Markdown со страницы from_page на to_page#anchor."""
    rel = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return rel + (f"#{anchor}" if anchor else "")


def expected_labels(data: dict, page: str) -> set[str]:
    """Какие метки обязаны стоять на странице page."""
    idx = data["index"]
    want = set()
    for key, item in idx.items():
        if key.startswith("t") and item["page"] == page:
            want.add(key)
            want |= {q["id"] for q in data["theory"] if q["ticket"] == key}
        if key.startswith("b") and item["page"] == page:
            want.add(key)
            for s in item["sections"]:
                want.add("s" + s["number"])
                for q in s["questions"]:
                    want.add(q["id"])
                    want |= {f["id"] for f in q["followups"]}
    return want


def expand_label(data: dict, page: str, hashes: str, key: str) -> str:
    idx = data["index"]
    item = idx[key]
    if key.startswith("t"):
        return f"{hashes} {ticket_heading(item)}"
    if key.startswith("q"):
        return f"{hashes} {item['text']} {{#{key}}}"
    if key.startswith("b"):
        return f"{hashes} Блок {item['number']}. {item['title']}"
    if key.startswith("s"):
        return f"{hashes} {item['number']} {item['title']}"
    if "-" in key:  # углубляющий вопрос
        return f"{hashes} {item['text']} {{#{key}}}"
    tickets = ", ".join(
        f"[{ticket_heading(idx[t])}]({link(page, idx[t]['page'])})" for t in item["tickets"]
    )
    lines = [
        f"{hashes} Вопрос {item['number']}. {item['text']} {{#{key}}}",
        "",
        f'*Подсказка из банка вопросов:* {item["hint"]}',
        "{: .hb-hint }",
    ]
    if tickets:  # Markdown, а не сырой <p>: внутри HTML-блока ссылки остались бы текстом
        lines += ["", f"См. также: {tickets}", "{: .hb-see }"]
    return "\n".join(lines) + "\n"


def interview_box(data: dict, page: str, ticket_id: str) -> str:
    """Вставка «Вопросы собеседования по теме» для страницы билета."""
    items = []
    for b in data["interview"]:
        for s in b["sections"]:
            for q in s["questions"]:
                if ticket_id in q["tickets"]:
                    items.append(
                        f"    - [Вопрос {q['number']}. {q['text']}]({link(page, b['page'], q['id'])})"
                    )
    if not items:
        return ""
    return '!!! info "Вопросы собеседования по теме"\n\n' + "\n".join(items) + "\n\n"


def tickets_table(data: dict, page: str) -> str:
    rows = ["| № | Билет | Вопросы теорминимума |", "|---|---|---|"]
    for t in data["tickets"]:
        qs = [q for q in data["theory"] if q["ticket"] == t["id"]]
        qlinks = ", ".join(f"[{q['number']}]({link(page, t['page'], q['id'])})" for q in qs)
        num = "—" if t.get("appendix") else str(t["number"])
        title = t["title"].rstrip(".")
        rows.append(f"| {num} | [{title}]({link(page, t['page'])}) | {qlinks} |")
    return "\n".join(rows) + "\n"


def theory_list(data: dict, page: str) -> str:
    idx = data["index"]
    out = []
    for q in data["theory"]:
        t = idx[q["ticket"]]
        where = "приложение" if t.get("appendix") else f"билет {t['number']}"
        out.append(f"{q['number']}. [{q['text']}]({link(page, t['page'], q['id'])}) — *{where}*")
    return "\n".join(out) + "\n"


def interview_toc(data: dict, page: str) -> str:
    out = []
    for b in data["interview"]:
        out.append(f"\n### [Блок {b['number']}. {b['title']}]({link(page, b['page'])})\n")
        for s in b["sections"]:
            for q in s["questions"]:
                out.append(f"- [Вопрос {q['number']}. {q['text']}]({link(page, b['page'], q['id'])})"
                           f" — {len(q['followups'])} угл. вопр.")
    return "\n".join(out) + "\n"


def page_url(page: str) -> str:
    """URL страницы относительно корня сайта (use_directory_urls): tickets/01-x.md -> tickets/01-x/."""
    return page.removesuffix(".md").removesuffix("index") + ("/" if not page.endswith("index.md") else "")


def exam_json(data: dict) -> str:
    """assets/exam.json для тренажёра и прогресса: id, номера, тексты и адреса ответов."""
    tickets = [{"id": t["id"], "number": t["number"], "title": ticket_heading(t),
                "url": page_url(t["page"]), "appendix": bool(t.get("appendix"))}
               for t in data["tickets"]]
    theory = [{"id": q["id"], "number": q["number"], "text": q["text"], "ticket": q["ticket"],
               "url": page_url(data["index"][q["ticket"]]["page"]) + "#" + q["id"]}
              for q in data["theory"]]
    return json.dumps({"tickets": tickets, "theory": theory}, ensure_ascii=False, indent=1)


def on_files(files, config, **kwargs):
    files.append(File.generated(config, "assets/exam.json", content=exam_json(_DATA)))
    return files


GENERATORS = {"tickets": tickets_table, "theory": theory_list, "interview": interview_toc}
_DATA: dict | None = None


def on_config(config, **kwargs):
    global _DATA
    _DATA = load_exam()
    config["watch"].append(str(DATA_PATH))  # mkdocs serve пересобирает при правке данных
    return config


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    data = _DATA
    src = page.file.src_uri
    found = set()

    def repl(m: re.Match) -> str:
        key = m.group(2)
        if key not in data["index"]:
            log.warning(f"{src}: метки @{key} нет в data/exam.yml")
            return m.group(0)
        found.add(key)
        return expand_label(data, src, m.group(1), key)

    markdown = LABEL_RE.sub(repl, markdown)
    missing = expected_labels(data, src) - found
    if missing:
        log.warning(f"{src}: нет меток {', '.join('@' + k for k in sorted(missing))} "
                    f"(по data/exam.yml они обязаны быть на этой странице)")
    for name, gen in GENERATORS.items():
        markdown = markdown.replace(f"<!-- exam:{name} -->", gen(data, src))
    ticket = next((t for t in data["tickets"] if t["page"] == src), None)
    if ticket:
        box = interview_box(data, src, ticket["id"])
        if box:
            markdown, n = SOURCES_RE.subn(lambda m: box + m.group(0), markdown, count=1)
            if n == 0:
                markdown += "\n\n" + box
    return markdown


def mark_buttons(item_id: str) -> str:
    """Кнопки «знаю / повторить» у заголовка; подписи — из CSS, чтобы текст кнопок не попадал
    в поиск и в текст заголовка. ``exam.js`` лишь подключает их к localStorage.

    Кнопки в HTML с самого начала, а не добавляются скриптом: вставка в заголовок после
    загрузки сдвигала бы текст под ним (Cumulative Layout Shift на телефоне).

    >>> mark_buttons("t01")  # doctest: +ELLIPSIS
    '<span class="hb-mark" data-id="t01"><button type="button" data-state="know" aria-label="знаю">...'
    """
    buttons = "".join(f'<button type="button" data-state="{state}" aria-label="{label}"></button>'
                      for state, label in (("know", "знаю"), ("review", "повторить")))
    return f'<span class="hb-mark" data-id="{item_id}">{buttons}</span>'


def _append_to_heading(html: str, heading_re: str, extra: str) -> str:
    m = re.search(heading_re, html)
    if not m:
        return html
    end = html.find("</h", m.end())
    return html[:end] + extra + html[end:]


def on_page_content(html: str, page, **kwargs) -> str:
    """Кнопки отметок у заголовка билета и у вопросов теорминимума на его странице."""
    ticket = next((t for t in _DATA["tickets"] if t["page"] == page.file.src_uri), None)
    if not ticket:
        return html
    html = _append_to_heading(html, r"<h1[\s>]", mark_buttons(ticket["id"]))
    for q in _DATA["theory"]:
        if q["ticket"] == ticket["id"]:
            html = _append_to_heading(html, rf'<h[1-6] id="{re.escape(q["id"])}"', mark_buttons(q["id"]))
    return html
