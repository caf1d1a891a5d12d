"""Один поток для BLAS и PyTorch на время сборки.

Код страниц считает маленькие примеры; на двух общих ядрах многопоточный OpenBLAS/torch на
таких размерах только мешает (замеряли: эксперимент с матрицами ~64×64 шёл в 9 раз медленнее под
нагрузкой), а порядок суммирования в одном потоке стабилен — сборки воспроизводимы.
"""

from __future__ import annotations

import os
import warnings

# torch 2.13 сам вызывает устаревший torch.jit.script при импорте torch.func (внутренний модуль
# torch._decomp): предупреждение не о нашем коде, а MkDocs печатает его с трассой стека.
warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated",
                        category=DeprecationWarning)

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # для дочерних процессов (ядро Jupyter для ноутбуков)
# Порядок обхода множеств строк в ядрах Jupyter и процессах предварительного исполнения не
# должен зависеть от случайной соли хэша: две сборки дают одинаковый HTML.
os.environ.setdefault("PYTHONHASHSEED", "0")


def _local_kernels_over_ipc() -> None:
    """Ядро Jupyter для ноутбуков — по IPC (сокеты Unix), а не по TCP без шифрования.

    Ядро локальное, сеть ему не нужна; по TCP ipykernel на каждом запуске предупреждает, что
    трафик не зашифрован. IPC — то, что советует само предупреждение.

    Путь сокетов — свой у каждого ядра: по умолчанию jupyter_client берёт ``kernel-ipc-N`` в
    текущем каталоге и выбирает N по «файла ещё нет», а две одновременные сборки (процессы
    предварительного исполнения, параллельные тесты) так получают один сокет и чужие подписи
    сообщений (``Invalid Signature``).
    """
    import tempfile
    import uuid

    from jupyter_client.connect import ConnectionFileMixin

    if getattr(ConnectionFileMixin, "_hb_unique_ipc", False):
        return
    write = ConnectionFileMixin.write_connection_file

    def write_with_unique_socket(self, **kwargs):
        if self.transport == "ipc" and not self._connection_file_written:
            name = f"hb-kernel-{os.getpid()}-{uuid.uuid4().hex[:12]}-ipc"
            self.ip = os.path.join(tempfile.gettempdir(), name)
        return write(self, **kwargs)

    ConnectionFileMixin.transport.default_value = "ipc"
    ConnectionFileMixin.write_connection_file = write_with_unique_socket
    ConnectionFileMixin._hb_unique_ipc = True


def on_config(config, **kwargs):
    _local_kernels_over_ipc()
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # уже загруженный NumPy/OpenBLAS
    import torch

    torch.set_num_threads(1)
    return config
