"""Формулы рисуются при сборке: KaTeX во встроенном V8 (mini-racer) превращает TeX в HTML.

В браузере не остаётся ни одной строчки JavaScript для формул: страница с тысячей формул
открывается на телефоне так же быстро, как текст, а формулы видны в печати, в оглавлении и
без JavaScript. Ошибка в формуле — предупреждение с именем страницы (в strict-сборке — отказ).

Что обрабатывается:
- элементы ``.arithmatex`` (pymdownx.arithmatex, ``generic: true``): ``\\(…\\)`` и ``\\[…\\]``;
- заголовки оглавления с формулой (их текст MkDocs берёт без разметки);
- ячейки Markdown ноутбуков «Практики» (nbconvert оставляет ``$…$`` как текст).
Поисковый индекс строится раньше (on_page_context), в нём остаётся короткий TeX.
"""

from __future__ import annotations

import functools
import hashlib
import html as html_lib
import json
import logging
import os
import re
import sys
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.hb-math")
KATEX_JS = Path(__file__).resolve().parent.parent / "docs" / "assets" / "katex" / "katex.min.js"
OPTIONS = {"throwOnError": True, "strict": "ignore", "output": "htmlAndMathml"}

ARITHMATEX_RE = re.compile(
    r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
INLINE_TEX_RE = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
# $$…$$ и $…$ в тексте ячеек ноутбука; \$ — не формула.
NOTEBOOK_TEX_RE = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)", re.DOTALL)
NOTEBOOK_CELL_RE = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.DOTALL)


# Готовая разметка формул переживает перезапуск сервера: KaTeX в V8 — ~1 мс на формулу, а их в
# книге тысячи. Ключ файла — версия katex.min.js и параметры; внутри — {(tex, display, output): html}.
_disk: dict[str, str] = {}
_disk_dirty = False


@functools.cache
def _disk_path() -> Path:
    h = hashlib.sha256(KATEX_JS.read_bytes() + json.dumps(OPTIONS, sort_keys=True).encode())
    if str(KATEX_JS.parents[3]) not in sys.path:  # корень репозитория, как в других хуках
        sys.path.insert(0, str(KATEX_JS.parents[3]))
    from hooks.cache import CACHE_DIR  # тот же каталог кэша, что у вывода кода (и HB_CACHE_DIR)

    return CACHE_DIR / f"katex-{h.hexdigest()[:16]}.json"


def _load_disk() -> None:
    if not _disk:
        try:
            _disk.update(json.loads(_disk_path().read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass


def _save_disk() -> None:
    global _disk_dirty
    if _disk_dirty:
        path = _disk_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_disk, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # атомарно: параллельные сборки не портят файл
        _disk_dirty = False


@functools.cache
def _engine():
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    ctx.eval(KATEX_JS.read_text(encoding="utf-8"))
    return ctx


@functools.lru_cache(maxsize=50_000)
def render(tex: str, display: bool = False, output: str = "htmlAndMathml") -> str:
    """HTML формулы; ``ValueError`` с текстом ошибки KaTeX, если TeX не разбирается.

    >>> 'class="katex"' in render(r"x^2")
    True
    >>> 'katex-display' in render(r"\\frac{a}{b}", display=True)
    True
    >>> render(r"\\frac{a")
    Traceback (most recent call last):
    ...
    ValueError: KaTeX parse error: Unexpected end of input in a macro argument, expected '}' at end of input: \\frac{a
    """
    global _disk_dirty
    _load_disk()
    key = f"{int(display)}{output}\x00{tex}"
    if key in _disk:
        return _disk[key]
    try:
        out = _engine().call("katex.renderToString", tex,
                             {**OPTIONS, "displayMode": display, "output": output})
        _disk[key], _disk_dirty = out, True
        return out
    except Exception as err:  # py_mini_racer.JSEvalException: текст ошибки KaTeX
        msg = str(err).split("\n")[0]
        msg = re.sub(r"^.*?(KaTeX parse error|ParseError: )", r"\1", msg).removeprefix("ParseError: ")
        raise ValueError(msg) from None


def _strip(tex: str, display: bool) -> str:
    tex = html_lib.unescape(tex).strip()
    pair = ("\\[", "\\]") if display else ("\\(", "\\)")
    if tex.startswith(pair[0]) and tex.endswith(pair[1]):
        tex = tex[2:-2]
    return tex.strip()


def render_html(html: str, where: str) -> str:
    """Заменяет элементы ``.arithmatex`` готовой разметкой KaTeX."""

    def repl(m: re.Match) -> str:
        display = m.group(1) == "div"
        tex = _strip(m.group(2), display)
        try:
            out = render(tex, display)
        except ValueError as err:
            log.warning(f"{where}: формула не разбирается KaTeX ({err}): {tex}")
            return m.group(0)
        tag = m.group(1)
        return f'<{tag} class="arithmatex">{out}</{tag}>'

    return ARITHMATEX_RE.sub(repl, html)


def render_notebook_cells(html: str, where: str) -> str:
    """``$…$`` и ``$$…$$`` в ячейках Markdown ноутбука."""

    def tex(m: re.Match) -> str:
        display = m.group(1) is not None
        src = html_lib.unescape(m.group(1) if display else m.group(2))
        try:
            return render(src, display)
        except ValueError as err:
            log.warning(f"{where}: формула не разбирается KaTeX ({err}): {src}")
            return m.group(0)

    def cell(m: re.Match) -> str:
        return m.group(1) + NOTEBOOK_TEX_RE.sub(tex, m.group(2)) + m.group(3)

    return NOTEBOOK_CELL_RE.sub(cell, html)


def _toc_titles(items, where: str) -> None:
    for item in items:
        if "\\(" in item.title:
            try:
                item.title = INLINE_TEX_RE.sub(
                    lambda m: render(html_lib.unescape(m.group(1)), output="html"), item.title)
            except ValueError as err:
                log.warning(f"{where}: формула в заголовке не разбирается KaTeX ({err})")
        _toc_titles(item.children, where)


def on_page_content(html: str, page, **kwargs) -> str:
    _toc_titles(page.toc.items, page.file.src_uri)
    return html


def on_post_page(output: str, page, **kwargs) -> str:
    where = page.file.src_uri
    if "arithmatex" in output:
        output = render_html(output, where)
    if where.startswith("practice/") and "$" in output:
        output = render_notebook_cells(output, where)
    return output


def on_post_build(config, **kwargs):
    """Печатную страницу print-site пишет сам в конце сборки, мимо on_post_page: рисуем её здесь."""
    from pathlib import Path as _Path

    path = _Path(config["site_dir"]) / "print_page" / "index.html"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if "arithmatex" in text:
            path.write_text(render_html(text, "print_page"), encoding="utf-8")
    _save_disk()
