"""Страница — цепочка секций ``<section class="hb-sec">`` по заголовкам второго уровня.

CSS даёт секциям ``content-visibility: auto``: браузер не считает стиль и раскладку секций за
пределами экрана, пока до них не докрутили. На главе с сотнями формул KaTeX (десятки тысяч
элементов DOM) это снимает с первой загрузки основную работу главного потока. Поиск по странице,
переход по якорю и печать работают как обычно (содержимое остаётся в DOM).
"""

from __future__ import annotations

import re

H2_RE = re.compile(r"(?=<h2[\s>])")


def wrap_sections(html: str) -> str:
    """Оборачивает куски от ``<h2`` до следующего ``<h2`` в секции; вступление — тоже.

    >>> wrap_sections("<p>a</p><h2 id='x'>X</h2><p>b</p>")
    '<section class="hb-sec"><p>a</p></section><section class="hb-sec"><h2 id=\\'x\\'>X</h2><p>b</p></section>'
    >>> wrap_sections("<p>без заголовков</p>")
    '<p>без заголовков</p>'
    """
    parts = H2_RE.split(html)
    if len(parts) < 2:
        return html
    return "".join(f'<section class="hb-sec">{p}</section>' for p in parts if p.strip())


def on_page_content(html: str, page, **kwargs) -> str:
    if page.file.src_uri.startswith(("tickets/", "interview/")):
        return wrap_sections(html)
    return html
