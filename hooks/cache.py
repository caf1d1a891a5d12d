"""Кэш исполняемого кода: правка текста никогда не перезапускает код.

Гранулярность — блок, как в кэше исполнения Quarto. Ключ блока ``exec="on"`` — хэш его кода,
кода всех предыдущих блоков той же сессии (``session=``) на странице, входов (``snippets/``,
``examples/``, ``data/``, ``hooks/``) и версий Python и библиотек. Правка прозы ключей не
меняет: страница собирается из кэша за доли секунды. Правка блока меняет ключ его и следующих
блоков сессии; перед первым промахом предыдущие блоки сессии исполняются молча (их состояние
нужно следующим), а вывод остальных сессий берётся из кэша. Любая правка модуля в
``snippets/`` меняет ключ всех блоков: устаревший вывод не показывается никогда. Вывод блока с
ошибкой не кэшируется.

Ноутбуки кэширует mkdocs-jupyter, но его ключ — только текст ноутбука; хук добавляет к нему
тот же хэш входов. Ещё он не даёт mkdocs-jupyter выбрасывать кэш ноутбуков, которые
``mkdocs serve --dirty`` просто не пересобирал: перезапуск сервера их не исполняет.

Кэш лежит в ``.cache/handbook/`` (не в git; ``HB_CACHE_DIR`` — другой каталог, тогда и кэш
ноутбуков там же). ``HB_NO_CACHE=1`` выключает его.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import re
import sys
import time
from importlib import metadata
from pathlib import Path

from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # MkDocs грузит хук по пути файла; hooks.exec_errors — соседний модуль
    sys.path.insert(0, str(ROOT))

from hooks.exec_errors import markdown_exec_loggers

log = logging.getLogger("mkdocs.plugins.hb-cache")
# HB_CACHE_DIR — другой каталог кэша (тесты собирают сайт «с нуля» в своём временном каталоге).
CACHE_DIR = Path(os.environ.get("HB_CACHE_DIR") or ROOT / ".cache" / "handbook")
BLOCKS = CACHE_DIR / "blocks"
DONE = CACHE_DIR / "pages"    # отпечатки исполненных страниц (для hooks/prefill.py)
# Из хуков на вывод кода влияют только эти два (потоки BLAS, соль хэша; формат ключа);
# правка остальных (формулы, секции, поиск) не должна заново исполнять весь код книги.
INPUTS = ("snippets", "examples", "data", "hooks/runtime.py", "hooks/cache.py")
PACKAGES = ("numpy", "torch", "plotly", "scipy", "markdown-exec", "pymdown-extensions", "markdown")
ENABLED = not os.environ.get("HB_NO_CACHE")


def inputs_hash(root: Path = ROOT) -> str:
    """Хэш всего, от чего зависит вывод кода, кроме самих блоков.

    >>> len(inputs_hash())
    64
    """
    h = hashlib.sha256()
    for folder in INPUTS:
        base = root / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else [base]:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode())
                h.update(path.read_bytes())
    h.update(sys.version.encode() + platform.machine().encode())
    for pkg in PACKAGES:
        try:
            h.update(f"{pkg}=={metadata.version(pkg)}".encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()


def block_key(inputs: str, page: str, session: str | None, history: list[str], code: str) -> str:
    """Ключ блока: входы, страница, сессия, код предыдущих блоков сессии и его собственный.

    >>> a = block_key("i", "p.md", "s", ["x = 1"], "print(x)")
    >>> a == block_key("i", "p.md", "s", ["x = 1"], "print(x)")
    True
    >>> a == block_key("i", "p.md", "s", ["x = 2"], "print(x)")  # предыдущий блок изменился
    False
    """
    h = hashlib.sha256()
    for part in (inputs, page, session or "", *history, code):
        h.update(part.encode())
        h.update(b"\x00")
    return h.hexdigest()


EXEC_BLOCK_RE = re.compile(r'^([ \t]*)(`{3,}|~{3,})[^\n]*exec="(?:on|1|true)"[^\n]*\n(.*?)^\1\2[ \t]*$',
                           re.MULTILINE | re.DOTALL)


def exec_blocks(text: str) -> list[str]:
    """Блоки ``exec="on"`` страницы (с заголовком ограды), по порядку.

    >>> exec_blocks('a\\n```python exec="on"\\nprint(1)\\n```\\nb\\n```python\\nx\\n```\\n')
    ['```python exec="on"\\nprint(1)\\n']
    """
    return [m.group(0)[len(m.group(1)):m.start(3) - m.start(0)] + m.group(3)
            for m in EXEC_BLOCK_RE.finditer(text)]


def fingerprint(src_uri: str, text: str, inputs: str) -> str:
    """Отпечаток кода страницы: её блоки ``exec`` и входы; проза в него не входит.

    >>> a = fingerprint("p.md", 'Текст.\\n```python exec="on"\\nprint(1)\\n```\\n', "i")
    >>> a == fingerprint("p.md", 'Другой текст.\\n```python exec="on"\\nprint(1)\\n```\\n', "i")
    True
    >>> a == fingerprint("p.md", 'Текст.\\n```python exec="on"\\nprint(2)\\n```\\n', "i")
    False
    """
    h = hashlib.sha256((inputs + "\x00" + src_uri).encode())
    for block in exec_blocks(text):
        h.update(block.encode() + b"\x00")
    return h.hexdigest()


def is_done(src_uri: str, text: str, inputs: str) -> bool:
    """Код страницы с таким текстом блоков уже исполнен и лежит в кэше."""
    return (DONE / fingerprint(src_uri, text, inputs)).exists()


def mark_done(src_uri: str, abs_src_path: str | None, inputs: str) -> None:
    """Страница исполнена без ошибок: запоминаем отпечаток."""
    if not abs_src_path or not Path(abs_src_path).is_file():
        return
    text = Path(abs_src_path).read_text(encoding="utf-8")
    DONE.mkdir(parents=True, exist_ok=True)
    (DONE / fingerprint(src_uri, text, inputs)).touch()


class PageRun:
    """Блоки одной страницы: вывод из кэша, при промахе — исполнение (с догонкой сессии)."""

    def __init__(self, page: str, inputs: str, abs_src_path: str | None = None) -> None:
        self.page, self.inputs, self.abs_src_path = page, inputs, abs_src_path
        self.sessions: dict[str | None, list[tuple[str, dict, bool]]] = {}
        self.failed = False
        self.hits = self.misses = 0
        self.started = time.perf_counter()
        self.fresh: list[tuple[Path, str]] = []

    def run(self, original, code: str, session: str | None, kwargs: dict) -> str:
        done = self.sessions.setdefault(session, []) if session else []
        key = block_key(self.inputs, self.page, session, [c for c, _, _ in done], code)
        path = BLOCKS / key[:2] / f"{key}.txt"
        if path.exists():
            self.hits += 1
            done.append((code, kwargs, False))
            return path.read_text(encoding="utf-8")
        if self.misses == 0:
            log.info(f"исполняю код: {self.page}")
        self.misses += 1
        # Состояние сессии: блоки, взятые из кэша, исполняются молча, по порядку.
        for i, (prev, prev_kwargs, executed) in enumerate(done):
            if not executed:
                original(prev, session=session, **prev_kwargs)
                done[i] = (prev, prev_kwargs, True)
        out = original(code, session=session, **kwargs)  # ошибка -> исключение, не кэшируем
        done.append((code, kwargs, True))
        self.fresh.append((path, out))
        return out

    def finish(self) -> None:
        if self.failed:
            return
        for path, out in self.fresh:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(out, encoding="utf-8")
        mark_done(self.page, self.abs_src_path, self.inputs)
        if self.misses:
            log.info(f"исполнено: {self.page} — блоков {self.misses}, из кэша {self.hits}, "
                     f"{time.perf_counter() - self.started:.1f} с")


_state: dict = {"inputs": None, "page": None}


class _FailureWatch(logging.Filter):
    """Замечает предупреждения markdown-exec: вывод страницы с ошибкой не кэшируем."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and _state["page"] is not None:
            _state["page"].failed = True
        return True


_watch = _FailureWatch()


def _python_module():
    from markdown_exec._internal.formatters import python as mx_python

    return mx_python


# Исходная функция хранится в самом модуле markdown-exec: `mkdocs serve` заново загружает хуки
# при каждой пересборке, и обёртка не должна оборачивать саму себя.
_mx = _python_module()
_ORIGINAL_RUN = _mx.__dict__.setdefault("_hb_original_run", _mx._run_python)


def _cached_run(code: str, returncode=None, session: str | None = None, id=None, **extra):
    page = _state["page"]
    kwargs = dict(extra, returncode=returncode, id=id)
    if page is None:
        return _ORIGINAL_RUN(code, session=session, **kwargs)
    return page.run(_ORIGINAL_RUN, code, session, kwargs)


def on_config(config, **kwargs):
    if not ENABLED:
        return config
    _state["inputs"] = inputs_hash()
    for logger in markdown_exec_loggers():
        if _watch not in logger.filters:
            logger.addFilter(_watch)
    _python_module()._run_python = _cached_run
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and os.environ.get("HB_CACHE_DIR"):
        plugin.config["cache_dir"] = str(CACHE_DIR / "mkdocs-jupyter")
    import mkdocs_jupyter.plugin as nbplugin

    original_key = getattr(nbplugin._compute_cache_key, "__wrapped__", nbplugin._compute_cache_key)

    def key_with_inputs(nb_path, cfg, exec_nb):
        return hashlib.sha256((original_key(nb_path, cfg, exec_nb) + _state["inputs"]).encode()).hexdigest()

    key_with_inputs.__wrapped__ = original_key
    nbplugin._compute_cache_key = key_with_inputs
    return config


def notebook_cache_paths(config) -> set[Path]:
    """Пути кэша mkdocs-jupyter для текущих ноутбуков (их нельзя выбрасывать)."""
    import mkdocs_jupyter.plugin as nbplugin

    from hooks.generated import notebooks

    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.config["cache"]:
        return set()
    cfg = dict(plugin.config)
    return {nbplugin._get_cache_path(cfg["cache_dir"],
                                     nbplugin._compute_cache_key(str(p), cfg, cfg["execute"]))
            for p in notebooks()}


@event_priority(-100)  # после on_pre_build mkdocs-jupyter, который обнуляет список
def on_pre_build(config, **kwargs):
    if ENABLED:
        plugin = config.plugins.get("mkdocs-jupyter")
        if plugin is not None:
            plugin._used_cache_paths.update(notebook_cache_paths(config))


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if ENABLED and "exec=" in markdown:
        # Сессии страницы начинаются с чистого листа (и при пересборке под serve).
        mx = _python_module()
        for name in list(mx._sessions_globals):
            mx._sessions_globals.pop(name, None)
        _state["page"] = PageRun(page.file.src_uri, _state["inputs"], page.file.abs_src_path)
    else:
        _state["page"] = None
    return markdown


def on_page_content(html: str, **kwargs) -> str:
    if _state["page"] is not None:
        _state["page"].finish()
        _state["page"] = None
    return html
