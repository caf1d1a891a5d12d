"""Два известных ложных предупреждения, из-за которых strict-сборка упала бы без причины.

1. mkdocs-print-site требует стоять последним в ``plugins`` и вычитает хуки, только если
   ``hooks`` — словарь; в MkDocs 1.6 это список, хуки добавляются после всех плагинов, и проверка
   ошибается, хотя print-site последний в ``plugins:`` (порядок проверяет тест). Сообщение
   ложное и просит «исправить» mkdocs.yml — в журнал оно не попадает вовсе.
2. ``mkdocs serve --dirty`` (пересборка только изменённых страниц, режим автора) на каждой
   пересборке пишет предупреждение о возможной неточности навигации. Мы о нём знаем: печатаем
   его как INFO, а strict продолжает ловить настоящие ошибки.

Фильтр ставится при импорте хука — раньше событий плагинов.
"""

from __future__ import annotations

import logging

DROPPED = ("[mkdocs-print-site] 'print-site' should be defined as the *last* plugin",)
FALSE_POSITIVES = ("A 'dirty' build is being performed",)


class _Downgrade(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(DROPPED):
            return False
        if record.levelno == logging.WARNING and str(record.msg).startswith(FALSE_POSITIVES):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


for _name in ("mkdocs.plugins", "mkdocs.commands.build"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _Downgrade) for f in _logger.filters):
        _logger.addFilter(_Downgrade())
