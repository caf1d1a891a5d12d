"""Один поток для BLAS и PyTorch на время сборки.

Код страниц считает маленькие примеры; на двух общих ядрах многопоточный OpenBLAS/torch на
таких размерах только мешает (замеряли: эксперимент с матрицами ~64×64 шёл в 9 раз медленнее под
нагрузкой), а порядок суммирования в одном потоке стабилен — сборки воспроизводимы.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # для дочерних процессов (ядро Jupyter для ноутбуков)


def on_config(config, **kwargs):
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # уже загруженный NumPy/OpenBLAS
    import torch

    torch.set_num_threads(1)
    return config
