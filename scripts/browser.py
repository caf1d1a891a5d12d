"""Общие средства для проверки сайта в Chromium: локальный сервер, запуск браузера, журнал.

Используются и тестами (tests/test_site.py), и scripts/preview.py, и scripts/pdf.py.
Браузер — системный Chromium (Debian ``chromium``), без ``playwright install``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def mkdocs_cmd() -> list[str]:
    """Команда mkdocs, как её запускает читатель (консольный скрипт, без cwd в sys.path)."""
    exe = shutil.which("mkdocs")
    return [exe] if exe else [sys.executable, "-m", "mkdocs"]


def chromium_path() -> str:
    """Путь к системному Chromium (переменная CHROMIUM или /usr/bin/chromium)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError("нужен Chromium: apt-get install chromium")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Gzip(_Quiet):
    """Как статический хостинг: текстовые файлы отдаются сжатыми gzip (для замеров Lighthouse)."""

    TYPES = (".html", ".js", ".css", ".json", ".svg", ".xml", ".txt")

    def send_head(self):
        path = self.translate_path(self.path)
        is_dir = os.path.isdir(path)
        if is_dir and not self.path.split("?")[0].endswith("/"):
            return super().send_head()  # перенаправление на адрес со слэшем
        if is_dir:
            path = os.path.join(path, "index.html")
        if (not path.endswith(self.TYPES) or not os.path.isfile(path)
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        import gzip
        import io

        with open(path, "rb") as f:
            body = gzip.compress(f.read(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


class _Sitemap(_Quiet):
    """Отдаёт sitemap.xml с адресом этого сервера вместо ``site_url`` сборки.

    Мгновенная навигация Material ходит только по адресам из sitemap; сайт, собранный под один
    адрес, так можно раздавать с любого порта (тесты в нескольких процессах).
    """

    built_for = ""
    base = ""

    def send_head(self):
        if self.path.split("?")[0].endswith("/sitemap.xml"):
            import io

            path = self.translate_path(self.path)
            with open(path, encoding="utf-8") as f:
                body = f.read().replace(self.built_for, self.base).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


@contextlib.contextmanager
def serve(directory: str, port: int | None = None, gzip: bool = False,
          built_for: str | None = None) -> Iterator[str]:
    """Раздаёт каталог на 127.0.0.1 (``gzip=True`` — сжимая текст); отдаёт базовый URL.

    ``built_for`` — ``site_url``, под который собран сайт, если он не совпадает с адресом сервера.
    """
    port = port or free_port()
    cls = _Gzip if gzip else _Quiet
    if built_for:
        cls = type("_SitemapHere", (_Sitemap,), {"built_for": built_for,
                                                  "base": f"http://127.0.0.1:{port}/"})
    handler = functools.partial(cls, directory=directory)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class PageLog:
    """Ошибки консоли и запросы за пределы сайта, собранные со страницы."""
    base: str
    console_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def attach(self, page) -> PageLog:
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        return self

    def _request(self, req) -> None:
        url = req.url
        if not (url.startswith(self.base) or url.startswith("data:") or url.startswith("blob:")):
            self.external.append(url)


def launch(playwright):
    """Chromium без песочницы и фоновых сетевых служб (сети здесь нет)."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


WAIT_READY_JS = """() => {
  const figs = [...document.querySelectorAll('.hb-figure')];
  return figs.every(f => f.getAttribute('data-hb-drawn'));
}"""


def wait_ready(page, timeout: float = 60_000, draw: bool = True) -> None:
    """Ждёт загрузки страницы; ``draw=True`` — ещё и рисует все фигуры и ждёт их.

    Фигуры рисуются лениво, при подходе к экрану; формулы нарисованы при сборке.
    """
    page.wait_for_load_state("load", timeout=timeout)
    page.wait_for_function("() => document.querySelector('.md-content') !== null", timeout=timeout)
    # Отложенные секции глав (assets/js/sections.js) — сразу в документ: проверяем всю страницу.
    page.wait_for_function("() => typeof window.hbStampAll === 'function'", timeout=timeout)
    page.evaluate("window.hbStampAll()")
    if draw:
        page.wait_for_function("() => typeof window.hbDrawFigures === 'function'", timeout=timeout)
        page.evaluate("window.hbDrawFigures()")
        page.wait_for_function(WAIT_READY_JS, timeout=timeout)


# Видимый текст страницы после работы скриптов, без кода и без MathML-дубля формул.
VISIBLE_TEXT_JS = """() => {
  const skip = 'pre, code, script, style, noscript, .katex-mathml, .hb-figure, textarea';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !node.textContent.trim()) continue;
    if (!el.checkVisibility({checkOpacity: false, checkVisibilityCSS: true})) continue;
    out.push(node.textContent);
  }
  return out.join(' ');
}"""

# Сырая разметка, которой не место в видимом тексте: ссылки и жирный Markdown, TeX, маркеры
# admonition, списки атрибутов.
RAW_MARKUP = [
    (r"\]\(", "ссылка Markdown «](»"),
    (r"\*\*\S", "жирный Markdown «**»"),
    (r"(?<![\w$])\$[^$\s](?:[^$]{0,200}?[^$\s])?\$(?![\w$])", "формула $…$"),
    (r"\\[()\[\]]", "TeX-скобки \\( \\["),
    (r"\\(?:frac|mathbf|mathcal|sum|int|partial|alpha|beta|theta|sigma|nabla|times|cdot|left|right|text|operatorname|sqrt|log|exp)\b", "команда TeX"),
    (r"(?:^|\s)(?:!!!|\?\?\?\+?) ?[a-z]", "маркер admonition"),
    (r"\{:?\s*[.#][\w-]+[^}]*\}", "список атрибутов {: …}"),
]


def raw_markup(text: str) -> list[str]:
    """Найденные куски сырой разметки (с контекстом) в видимом тексте.

    >>> raw_markup("См. также: [Билет 1](../t.md) и $x$")
    ['ссылка Markdown «](»: …См. также: [Билет 1](../t.md) и $x$…', 'формула $…$: …Билет 1](../t.md) и $x$…']
    >>> raw_markup("Градиент ∂L/∂W = XᵀG, цена $5 и $10")
    []
    """
    import re

    found = []
    for pattern, what in RAW_MARKUP:
        for m in re.finditer(pattern, text):
            found.append(f"{what}: …{text[max(0, m.start() - 20):m.end() + 20]}…")
    return found
