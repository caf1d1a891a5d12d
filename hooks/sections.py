"""Глава — чередование заголовков и секций ``<section class="hb-sec">`` между ними.

CSS даёт секциям ``content-visibility: auto``: браузер не считает стиль и раскладку секций за
пределами экрана, пока до них не докрутили. На главе с сотнями формул KaTeX и блоков кода
(десятки тысяч элементов DOM) это снимает с первой загрузки основную работу главного потока.

Заголовки уровней 2–4 стоят *между* секциями, а не внутри: оглавление Material
(подсветка текущего раздела) читает ``offsetTop`` каждого заголовка, и заголовок внутри
пропущенной секции заставил бы браузер разложить её целиком — и так всю страницу. Снаружи
его положение считается по размерам секций-заглушек. Размер заглушки — оценка по содержимому
(``contain-intrinsic-size``), чтобы полоса прокрутки и переход по якорю почти не прыгали; после
первого показа браузер запоминает настоящий размер (``auto``).

Секции ниже ~экрана телефона приходят в ``<template>`` (класс ``hb-defer``): их разметка
разбирается, но не попадает в документ, пока к ней не подошли или пока браузер не свободен
(``assets/js/sections.js`` вставляет их по одной в простое, а при печати и поиске по якорю —
все сразу). Замер: скрипт Material при открытии страницы несколько раз читает раскладку ещё до
первого кадра, и каждый раз браузер считал стиль всей главы — даже секций с
``content-visibility``; без них в документе открытие главы блокирует главный поток вдвое меньше.
Чего Material не делает для вставленного позже, делаем сами: обёртку прокрутки таблиц — при
сборке, кнопку копирования кода — ``sections.js``, когда блок виден. Печать (print-site) берёт HTML глав до этого хука.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

log = logging.getLogger("mkdocs.plugins.hb-sections")

FIRST_SCREENS = 1000  # px: секции, начинающиеся (по оценке) ниже, откладываются
_CODE_RE = re.compile(r"<pre><span></span><code>")
_TABLE_RE = re.compile(r"<table>(.*?)</table>", re.DOTALL)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
HEADINGS = ("h2", "h3", "h4")


class _TopLevelHeadings(HTMLParser):
    """Находит заголовки h2–h4 верхнего уровня (не внутри admonition, таблицы и т. п.)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.spans: list[tuple[int, int]] = []  # (начало <hN, конец </hN>) в символах
        self._open: int | None = None
        self.broken = False  # лишний закрывающий тег: делить страницу небезопасно
        self._lines = [0]
        for line in html.splitlines(keepends=True):
            self._lines.append(self._lines[-1] + len(line))
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._lines[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if tag in HEADINGS and self.depth == 0:
            self._open = self._offset()
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self.depth -= 1
        if self.depth < 0:
            if not self.broken:
                self.broken_at = (self.getpos()[0], tag)
            self.broken, self.depth = True, 0
        if tag in HEADINGS and self.depth == 0 and self._open is not None:
            end = self._offset() + len(f"</{tag}>")
            self.spans.append((self._open, end))
            self._open = None


def estimate_height(html: str) -> int:
    """Грубая оценка высоты куска страницы в пикселях (экран телефона, ~40 знаков в строке).

    >>> estimate_height("<p>" + "слово " * 100 + "</p>") > estimate_height("<p>слово</p>")
    True
    """
    text = re.sub(r"<[^>]+>", "", re.sub(r'<span class="katex-mathml">.*?</span>', "", html))
    height = 24 * (len(text) // 40 + html.count("<p") + html.count("<li"))
    height += 420 * html.count('class="hb-figure"')
    height += 22 * html.count("\n", html.find("<pre") if "<pre" in html else len(html))
    height += 60 * html.count('class="katex-display"')
    return max(60, min(height, 20000))


def _deferred(chunk: str, counter: list[int]) -> str:
    """Содержимое откладываемой секции: кнопки копирования кода и обёртки таблиц — как у Material.

    >>> _deferred("<pre><span></span><code>x = 1</code></pre>", [0])
    '<template><pre id="hb-code-0" data-hb-copy><span></span><code tabindex="0">x = 1</code></pre></template>'
    """

    def code(m: re.Match) -> str:
        n = counter[0]
        counter[0] += 1
        # Кнопку копирования ставит assets/js/sections.js, когда блок виден (как Material с
        # content.lazy): кнопки в секциях вне экрана не имеют раскладки, и проверка доступности
        # считала бы их перекрытыми.
        return f'<pre id="hb-code-{n}" data-hb-copy><span></span><code tabindex="0">'

    chunk = _CODE_RE.sub(code, chunk)
    chunk = _TABLE_RE.sub(lambda m: '<div class="md-typeset__scrollwrap"><div class="md-typeset__table">'
                          f"{m.group(0)}</div></div>", chunk)
    return f"<template>{chunk}</template>"


def wrap_sections(html: str, found: _TopLevelHeadings | None = None) -> str:
    """Куски между заголовками h2–h4 верхнего уровня — секции; заголовки остаются снаружи.

    >>> out = wrap_sections('<p>a</p><h2 id="x">X</h2><p>b</p>')
    >>> out.replace(' style="contain-intrinsic-size:auto 60px"', "")
    '<section class="hb-sec"><p>a</p></section><h2 id="x">X</h2><section class="hb-sec"><p>b</p></section>'
    >>> wrap_sections("<div><h2>внутри</h2></div><p>без заголовков верхнего уровня</p>")[:5]
    '<div>'

    ``found`` — уже сделанный разбор этого же ``html`` (чтобы не разбирать главу дважды).
    """
    found = found or _TopLevelHeadings(html)
    spans = found.spans
    if not spans or found.broken or found.depth:
        return html
    out, pos, top, counter = [], 0, 0, [0]
    for start, end in [*spans, (len(html), len(html))]:
        chunk = html[pos:start]
        if chunk.strip():
            height = estimate_height(chunk)
            cls = "hb-sec"
            if top > FIRST_SCREENS:
                cls, chunk = "hb-sec hb-defer", _deferred(chunk, counter)
            out.append(f'<section class="{cls}" style="contain-intrinsic-size:auto '
                       f'{height}px">{chunk}</section>')
            top += height + 60
        out.append(html[start:end])
        pos = end
    return "".join(out)


def on_page_content(html: str, page, **kwargs) -> str:
    if not page.file.src_uri.startswith(("tickets/", "interview/")):
        return html
    found = _TopLevelHeadings(html)
    if found.broken:
        # Лишний закрывающий тег — почти всегда текст вроде «</w>» без обратных кавычек:
        # браузер молча выбросит его, и читатель не увидит части текста.
        line, tag = found.broken_at
        snippet = html.splitlines()[line - 1].strip()[:120]
        log.warning(f"{page.file.src_uri}: в HTML лишний закрывающий тег </{tag}> "
                    f"(текст в угловых скобках без `…`?): {snippet}")
    return wrap_sections(html, found)
