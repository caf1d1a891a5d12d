"""Расширение griffe для mkdocstrings: примеры doctest (``>>>``) в docstring — блоки кода.

Наши docstring пишутся свободным текстом, и без этого Markdown читает вывод вроде ``[4, 4, 2]``
как ссылку. Подключено в mkdocs.yml: ``plugins.mkdocstrings.handlers.python.options.extensions``.
"""

from __future__ import annotations

import griffe


def fence_doctests(text: str) -> str:
    """Оборачивает каждый блок doctest (от ``>>>`` до пустой строки) в ```pycon.

    >>> fence_doctests("Текст.\\n\\n>>> 1 + 1\\n2\\n\\nЕщё.").splitlines()
    ['Текст.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'Ещё.']
    """
    out, in_block = [], False
    for line in text.splitlines():
        starts = line.lstrip().startswith(">>>")
        if starts and not in_block:
            out.append("```pycon")
            in_block = True
        elif in_block and not line.strip():
            out.append("```")
            in_block = False
        out.append(line)
    if in_block:
        out.append("```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Применяет fence_doctests ко всем docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
