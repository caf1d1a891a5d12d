"""Ошибка исполняемого блока markdown-exec называет страницу.

markdown-exec пишет в журнал «Execution of python code block exited with errors», но не
говорит, на какой странице. Хук запоминает текущую страницу и дописывает её путь к каждому
предупреждению markdown-exec; в режиме strict такое предупреждение останавливает сборку.
"""

from __future__ import annotations

import logging

_current: dict[str, str] = {"page": "?"}


class _NamePage(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and not getattr(record, "_hb_named", False):
            record.msg = f"[страница docs/{_current['page']}] {record.msg}"
            record._hb_named = True
        return True


_filter = _NamePage()


def markdown_exec_loggers() -> list[logging.Logger]:
    """Логгеры markdown-exec (mkdocs.plugins.markdown_exec.<модуль>).

    Фильтр логгера не наследуется дочерними, поэтому фильтры ставят на каждый из них.
    """
    names = [n for n in logging.root.manager.loggerDict
             if n.startswith(("mkdocs.plugins.markdown_exec", "mkdocs.plugins.markdown-exec"))]
    if not names:
        raise RuntimeError("hooks/exec_errors.py: не найден логгер markdown-exec (сменилось имя?)")
    return [logging.getLogger(n) for n in names]


def on_config(config, **kwargs):
    for logger in markdown_exec_loggers():
        if _filter not in logger.filters:
            logger.addFilter(_filter)
    return config


def on_page_markdown(markdown, page, **kwargs):
    _current["page"] = page.file.src_uri
    return markdown
