"""Кэш исполняемого кода: пересборка исполняет только то, что изменилось.

Гранулярность — страница. Ключ страницы — хэш её Markdown, всего кода, от которого может
зависеть вывод (``snippets/``, ``examples/``, ``data/``, ``hooks/``), и версий Python и
библиотек. Если ключ тот же, вывод каждого блока ``exec="on"`` берётся из кэша по порядку;
если нет — вся страница исполняется заново (блоки одной сессии зависят друг от друга, поэтому
кэшировать их по отдельности нельзя). Любая правка модуля в ``snippets/`` меняет ключ всех
страниц: устаревший вывод не показывается никогда.

Ноутбуки кэширует сам mkdocs-jupyter, но его ключ — только текст ноутбука; хук добавляет к
нему тот же хэш кода, иначе после правки ``snippets/`` показывался бы старый вывод.

Кэш лежит в ``.cache/handbook/`` (не в git). ``HB_NO_CACHE=1`` выключает его.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

import markdown_exec
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # MkDocs грузит хук по пути файла; hooks.exec_errors — соседний модуль
    sys.path.insert(0, str(ROOT))

from hooks.exec_errors import markdown_exec_loggers  # noqa: E402
CACHE_DIR = ROOT / ".cache" / "handbook"
INPUTS = ("snippets", "examples", "data", "hooks")
PACKAGES = ("numpy", "torch", "plotly", "scipy", "markdown-exec", "pymdown-extensions", "markdown")
ENABLED = not os.environ.get("HB_NO_CACHE")


def inputs_hash(root: Path = ROOT) -> str:
    """Хэш всего, от чего зависит вывод кода, кроме самой страницы.

    >>> len(inputs_hash())
    64
    """
    h = hashlib.sha256()
    for folder in INPUTS:
        for path in sorted((root / folder).rglob("*")):
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


class PageCache:
    """Вывод блоков одной страницы: чтение по порядку при попадании, запись при промахе."""

    def __init__(self, key: str) -> None:
        self.path = CACHE_DIR / f"{key}.json"
        self.hit = self.path.exists()
        self.outputs: list[str] = json.loads(self.path.read_text()) if self.hit else []
        self.index = 0
        self.failed = False

    def next(self, run) -> str:
        if self.hit and self.index < len(self.outputs):
            out = self.outputs[self.index]
        else:
            self.hit = False  # блоков стало больше, чем в кэше: исполняем честно
            out = str(run())
            self.outputs.append(out)
        self.index += 1
        return out

    def save(self) -> None:
        """Сохраняет вывод, только если страница исполнена заново и без ошибок."""
        if not self.hit and self.outputs and not self.failed:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.outputs))


_state: dict = {"inputs": None, "page": None}


class _FailureWatch(logging.Filter):
    """Замечает предупреждения markdown-exec: страницу с ошибкой не кэшируем."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and _state["page"] is not None:
            _state["page"].failed = True
        return True


_watch = _FailureWatch()
_original = dict(markdown_exec.formatters)


def _cached(language: str):
    original = _original[language]

    def formatter(*args, **kwargs):
        page = _state["page"]
        if page is None:
            return original(*args, **kwargs)
        return page.next(lambda: original(*args, **kwargs))

    return formatter


def on_config(config, **kwargs):
    if not ENABLED:
        return config
    _state["inputs"] = inputs_hash()
    for logger in markdown_exec_loggers():
        if _watch not in logger.filters:
            logger.addFilter(_watch)
    for language in ("python", "py"):
        markdown_exec.formatters[language] = _cached(language)
    import mkdocs_jupyter.plugin as nbplugin

    original_key = getattr(nbplugin._compute_cache_key, "__wrapped__", nbplugin._compute_cache_key)

    def key_with_inputs(nb_path, cfg, exec_nb):
        return hashlib.sha256((original_key(nb_path, cfg, exec_nb) + _state["inputs"]).encode()).hexdigest()

    key_with_inputs.__wrapped__ = original_key
    nbplugin._compute_cache_key = key_with_inputs
    return config


@event_priority(-100)  # после хуков, меняющих Markdown: ключ — от окончательного текста
def on_page_markdown(markdown: str, page, **kwargs) -> str:
    if ENABLED and "exec=" in markdown:
        key = hashlib.sha256((_state["inputs"] + page.file.src_uri + markdown).encode()).hexdigest()
        _state["page"] = PageCache(key)
    else:
        _state["page"] = None
    return markdown


def on_page_content(html: str, **kwargs) -> str:
    if _state["page"] is not None:
        _state["page"].save()
        _state["page"] = None
    return html
