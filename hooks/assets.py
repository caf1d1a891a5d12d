"""plotly.js для фигур: берётся из установленного пакета при сборке, в репозитории копии нет.

Файл кладётся в site/assets/js/plotly.min.js; грузит его docs/assets/js/figures.js и только
на страницах с фигурами. Если рядом лежит официальная уменьшенная сборка (vendor/), берётся она.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

import plotly
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mkdocs.plugins.hb-assets")
VENDORED = ROOT / "vendor" / "plotly.min.js"


def plotly_bundle() -> Path:
    """Путь к файлу plotly.js, который получит сайт."""
    if VENDORED.exists():
        return VENDORED
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def on_files(files, config, **kwargs):
    files.append(File.generated(config, "assets/js/plotly.min.js", abs_src_path=str(plotly_bundle())))
    return files


# Ресурсы плагинов, которые те подключают к каждой странице, а нужны они лишь некоторым. Каждый
# лишний файл CSS в <head> задерживает первую отрисовку (на телефоне — запрос по медленной сети).
# (шаблон тега, признак в HTML страницы, без которого тег не нужен)
_OPTIONAL_ASSETS = [
    # markdown-exec: консоль Pyodide; блоков pyodide в справочнике нет
    (r'<link rel="stylesheet" href="[^"]*_markdown_exec_pyodide\.css">', 'class="pyodide'),
    (r'<script src="[^"]*_markdown_exec_pyodide\.js"></script>', 'class="pyodide'),
    # mkdocstrings: стили нужны только страницам «Справочник API»
    (r'<link rel="stylesheet" href="[^"]*_mkdocstrings\.css">', 'class="doc doc-'),
    # print-site: стили и скрипт страницы печати всей книги, остальным не нужны
    (r'<link rel="stylesheet" href="[^"]*css/print-site(?:-material)?\.css">', 'id="print-site-page"'),
    (r'<script src="[^"]*js/print-site\.js"></script>', 'id="print-site-page"'),
]


def prune_assets(html: str) -> str:
    """Убирает теги ресурсов, которые странице не нужны.

    >>> head = ('<link rel="stylesheet" href="../assets/_mkdocstrings.css">'
    ...         '<script src="../js/print-site.js"></script>')
    >>> prune_assets(head + "<p>глава</p>")
    '<p>глава</p>'
    >>> prune_assets(head + '<div class="doc doc-object">')  # doctest: +ELLIPSIS
    '<link rel="stylesheet" href="../assets/_mkdocstrings.css"><div class="doc doc-object">'
    """
    for tag, needed_by in _OPTIONAL_ASSETS:
        if needed_by not in html:
            html = re.sub(tag + r"\n?", "", html)
    return html


SEARCH_ON_DEMAND = ROOT / "docs" / "assets" / "js" / "search-on-demand.js"


def inline_search_on_demand(html: str) -> str:
    """Встраивает в <head> скрипт, откладывающий загрузку поискового индекса (см. сам скрипт).

    >>> "search_index" in inline_search_on_demand("<head><title>x</title></head>")
    True
    """
    return html.replace("</head>", f"<script>{_search_on_demand_code()}</script></head>", 1)


@functools.cache
def _search_on_demand_code() -> str:
    """Текст скрипта без комментариев (они — только в файле); читается один раз за сборку."""
    return "\n".join(line for line in SEARCH_ON_DEMAND.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("//"))


# Скрипты темы и справочника — с ``defer``: они стоят в конце <body>, но без defer парсер ждёт
# каждый из них, и первый кадр (заголовок главы) появлялся только после их загрузки и работы.
# С defer текст рисуется сразу, а скрипты выполняются после разбора страницы в том же порядке.
_DEFERRABLE_RE = re.compile(r'<script src="([^"]*(?:assets/javascripts/bundle\.[0-9a-f]+\.min\.js'
                            r'|assets/js/[\w-]+\.js))"></script>')


def defer_scripts(html: str) -> str:
    """
    >>> defer_scripts('<script src="../assets/js/figures.js"></script><script src="x.js"></script>')
    '<script defer src="../assets/js/figures.js"></script><script src="x.js"></script>'
    """
    return _DEFERRABLE_RE.sub(r'<script defer src="\1"></script>', html)


def on_post_page(output: str, page, config, **kwargs) -> str:
    return defer_scripts(inline_search_on_demand(prune_assets(output)))


# Material при запуске страницы (и при смене темы) ставит <body data-md-color-switching>, и
# правило «[data-md-color-switching] * {transition-duration: 0s}» делает недействительным стиль
# каждого элемента: на главе с 20 000 элементов это два полных пересчёта стилей (~0,2 с на
# телефоне) при каждом открытии. Без правила смена темы лишь плавно анимирует цвета.
_SWITCHING_RULE = re.compile(r"\[data-md-color-switching\] \*,\[data-md-color-switching\] :after,"
                             r"\[data-md-color-switching\] :before\{transition-duration:0s!important\}")


def on_post_build(config, **kwargs) -> None:
    import material

    theme_css = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    for css in (Path(config.site_dir) / "assets" / "stylesheets").glob("palette.*.min.css"):
        original = (theme_css / css.name).read_text(encoding="utf-8")
        new = _SWITCHING_RULE.sub("", original)
        if new == original:
            log.warning(f"{css.name}: правило data-md-color-switching не найдено (новая версия Material?)")
        css.write_text(new, encoding="utf-8")  # из файла темы: пересборка serve видит уже правленый
