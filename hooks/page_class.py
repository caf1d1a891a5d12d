"""Класс-обёртка страницы из front matter: ``css_class: hb-cheat`` -> ``<div class="hb-cheat">``.

Обёртка ставится вокруг уже отрисованного HTML, поэтому всегда сбалансирована. (Блок
``<div markdown>`` в самом Markdown с исполняемым кодом внутри выходил несбалансированным и
закрывал обёртку печатной версии книги раньше времени.)
"""

from __future__ import annotations

import re


def on_page_content(html: str, page, **kwargs) -> str:
    css_class = page.meta.get("css_class")
    if not css_class:
        return html
    if not re.fullmatch(r"[A-Za-z][\w-]*", css_class):
        raise ValueError(f"{page.file.src_uri}: css_class должен быть именем класса: {css_class!r}")
    return f'<div class="{css_class}">\n{html}\n</div>'
