"""Один поток PyTorch для маленьких вычислений — и как контекст, и как декоратор.

Примеры книги крошечные: синхронизация потоков дороже самих вычислений, а на общей машине
второй поток замедляет их в разы. Сборка и тесты и так работают в одном потоке
(hooks/runtime.py, conftest.py); этот помощник нужен, когда функцию зовут отдельно — из
ноутбука или своего скрипта.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Временно ``torch.set_num_threads(1)``; потом прежнее число потоков.

    Работает и как декоратор (``@one_thread()``), потому что ``contextmanager`` это умеет.

    >>> with one_thread():
    ...     torch.get_num_threads()
    1
    """
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)
