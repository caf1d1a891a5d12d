"""Данные фигур — отдельные файлы ``assets/figures/*.json``, а не атрибуты внутри HTML.

Код страницы выводит фигуру как ``<div class="hb-figure" data-figure='{…}'>`` (см.
``snippets/_plotting.show``). На главе со спектрограммами это сотни килобайт JSON, которые телефон
скачивал бы и разбирал до первой отрисовки текста. Хук выносит JSON в файл и оставляет в
HTML ссылку ``data-figure-src``; ``figures.js`` скачивает его, когда фигура подходит к экрану.

Имя файла — хэш содержимого: одна и та же фигура в главе и на странице печати — один файл, и
браузер может кэшировать его сколько угодно. У фигур с живыми замерами (``data-measured``) данные
меняются от сборки к сборке, и их имя — по id фигуры, чтобы HTML двух сборок совпадал.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import posixpath
import re
from pathlib import Path

FIGURES_DIR = "assets/figures"
_INLINE_RE = re.compile(r"""(<div class="hb-figure" id="([^"]+)"[^>]*?)( data-measured="1")? """
                        r"""data-figure='([^']*)'""")
SRC_RE = re.compile(r'data-figure-src="([^"]+)"')


def externalize(text: str, site_dir: Path, page_url: str) -> str:
    """Заменяет ``data-figure='…'`` ссылкой на файл и пишет файл в ``site_dir``.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> out = externalize('<div class="hb-figure" id="f" role="img" data-figure=\\'{"data": []}\\'>',
    ...                   d, "tickets/x/")
    >>> out  # doctest: +ELLIPSIS
    '<div class="hb-figure" id="f" role="img" data-figure-src="../../assets/figures/....json">'
    >>> page_figures(out, d / "tickets/x/index.html")
    [{'data': []}]
    """
    depth = page_url.strip("/").count("/") + 1 if page_url.strip("/") else 0
    prefix = "../" * depth

    def repl(m: re.Match) -> str:
        head, div_id, measured, payload = m.groups()
        data = htmllib.unescape(payload).encode()
        key = f"measured-{div_id}" if measured else hashlib.sha256(data).hexdigest()[:20]
        name = f"{FIGURES_DIR}/{key}.json"
        path = site_dir / name
        if measured or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return f'{head}{measured or ""} data-figure-src="{prefix}{name}"'

    return _INLINE_RE.sub(repl, text)


def page_figures(text: str, page_file: Path) -> list[dict]:
    """Фигуры собранной страницы: JSON из файлов, на которые она ссылается."""
    return [json.loads(p.read_bytes()) for p in figure_files(text, page_file)]


def figure_files(text: str, page_file: Path) -> list[Path]:
    """Файлы данных фигур, на которые ссылается собранная страница ``page_file``."""
    base = page_file.parent
    return [Path(posixpath.normpath((base / src).as_posix())) for src in SRC_RE.findall(text)]


def on_post_page(output: str, page, config, **kwargs) -> str:
    if "data-figure='" not in output:
        return output
    return externalize(output, Path(config.site_dir), page.url)


def on_post_build(config, **kwargs) -> None:
    # Страницу печати print-site пишет сам, после событий страниц.
    index = Path(config.site_dir) / "print_page" / "index.html"
    if index.exists():
        text = index.read_text(encoding="utf-8")
        if "data-figure='" in text:
            index.write_text(externalize(text, Path(config.site_dir), "print_page/"),
                             encoding="utf-8")
