"""Ускорение чужих плагинов без изменения их вывода (тёплая сборка тратила на это секунды).

* mkdocs-jupyter читает каждую страницу ``.md`` через jupytext (~15 мс, трижды на страницу),
  чтобы потом всё равно отвергнуть её по ``include: ["*.py"]``. Файл, не подходящий под
  ``include``, отвергаем сразу: результат ``should_include`` тот же.
* print-site в ``update_anchor_ids`` пробует своё регулярное выражение с каждого «<» страницы,
  и на длинных строках без id оно сканирует строку до конца с откатами (~3 с на книге).
  Здесь те же совпадения ищутся только там, где они возможны (0,04 с, тот же HTML). Подмена
  ставится только для сверенной версии плагина; для другой версии остаётся оригинал.
"""

from __future__ import annotations

import logging
import re
from importlib import metadata
from pathlib import PurePath

log = logging.getLogger("mkdocs.plugins.hb-fast")

# Версии print-site, для которых update_anchor_ids сверен с оригиналом (тот же HTML книги).
PRINT_SITE_CHECKED = {"2.9"}
# Как в mkdocs_print_site_plugin.urls.update_anchor_ids.
ANCHOR_RE = re.compile(r"<([^\s]+).*?id=\"([^\"]*?)\".*?>", flags=re.IGNORECASE)
ID_RE = re.compile(r'id="', flags=re.IGNORECASE)
CHANGE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "sup", "li"})


def anchor_matches(html: str):
    r"""Те же совпадения, что ``ANCHOR_RE.finditer(html)``, без заведомо пустых попыток.

    ``[^\s]`` и ``.`` не переходят строку, поэтому совпадение с «<» возможно, лишь если дальше
    в той же строке есть ``id="``; строки без него пропускаются целиком. Оригинал пробует
    каждый «<» и сканирует остаток строки с откатами — на длинных строках (KaTeX) квадратично.

    >>> html = '<p>a<b>c</b>\n<h2 class="x" id="t">T</h2><span>\n<li id="u">'
    >>> [m.group() for m in anchor_matches(html)] == [m.group() for m in ANCHOR_RE.finditer(html)]
    True
    """
    pos, n = 0, len(html)
    while (start := html.find("<", pos)) != -1:
        eol = html.find("\n", start)
        eol = n if eol == -1 else eol
        if ID_RE.search(html, start + 2, eol) is None:
            pos = eol + 1
            continue
        m = ANCHOR_RE.match(html, start)
        if m is None:
            pos = start + 1
            continue
        yield m
        pos = m.end()


def update_anchor_ids(page_html: str, page_key: str) -> str:
    r"""Префикс страницы к id заголовков, сносок и пунктов списка — за один проход.

    Оригинал на каждое совпадение делает ``str.replace`` по всей странице; здесь заменяется
    само совпадение (id на странице уникальны — результат тот же, сверено на всей книге).

    >>> update_anchor_ids('<h2 id="a">A</h2><p id="b">B</p>\n<li id="fn:1">x</li>', "p")
    '<h2 id="p-a">A</h2><p id="b">B</p>\n<li id="p-fn:1">x</li>'
    """
    out, last = [], 0
    for m in anchor_matches(page_html):
        if m.group(1) in CHANGE_TAGS:
            out += [page_html[last:m.start()], m.group().replace(m.group(2), page_key + "-" + m.group(2))]
            last = m.end()
    out.append(page_html[last:])
    return "".join(out)


def _patch_jupyter(plugin) -> None:
    original = plugin.should_include

    def should_include(file) -> bool:
        src = file.abs_src_path
        if src is None or not any(PurePath(src).match(p) for p in plugin.config["include"]):
            return False
        return original(file)

    plugin.should_include = should_include


def _patch_print_site() -> None:
    try:
        version = metadata.version("mkdocs-print-site-plugin")
    except metadata.PackageNotFoundError:
        return
    if version not in PRINT_SITE_CHECKED:
        log.info("print-site %s: update_anchor_ids не подменён (сверен только с %s)",
                 version, ", ".join(sorted(PRINT_SITE_CHECKED)))
        return
    from mkdocs_print_site_plugin import urls

    urls.update_anchor_ids = update_anchor_ids


def on_config(config, **kwargs):
    jupyter = config["plugins"].get("mkdocs-jupyter")
    if jupyter is not None:
        _patch_jupyter(jupyter)
    if "print-site" in config["plugins"]:
        _patch_print_site()
    return config
