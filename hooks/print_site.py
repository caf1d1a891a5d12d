"""Печатная страница (mkdocs-print-site-plugin): ложное предупреждение о порядке плагинов.

print-site требует стоять последним в ``plugins`` и вычитает хуки, только если ``hooks`` —
словарь; в MkDocs 1.6 это список, хуки добавляются после всех плагинов, и проверка ошибается,
хотя print-site последний в ``plugins:``. Фильтр ставится при импорте хука (до on_config
плагинов) и снимает ровно это сообщение; порядок в mkdocs.yml проверяет тест.
"""

from __future__ import annotations

import logging

MESSAGE = "[mkdocs-print-site] 'print-site' should be defined as the *last* plugin"


class _DropFalseOrderWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(MESSAGE)


_logger = logging.getLogger("mkdocs.plugins")
if not any(isinstance(f, _DropFalseOrderWarning) for f in _logger.filters):
    _logger.addFilter(_DropFalseOrderWarning())
