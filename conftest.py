"""Корневая настройка pytest: один поток BLAS/torch (маленькие примеры на 2 ядрах), как при сборке.

Лежит в корне, чтобы сработать раньше импорта NumPy доктестами snippets/.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
