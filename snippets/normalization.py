"""Нормализация в нейросетях на NumPy: BatchNorm (обучение и инференс, прямой и обратный проход),
LayerNorm, InstanceNorm, GroupNorm, RMSNorm и нормализация весов (weight normalization).

Все нормализации активаций — одна операция «вычесть среднее и поделить на СКО» по разным осям
тензора (N, C, …): BN — по (N, H, W), LN — по (C, H, W), IN — по (H, W), GN — по группе каналов
и (H, W). Тесты сверяют каждую с её модулем ``torch.nn``.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:standardize]
def standardize(x: Array, axes: tuple[int, ...], eps: float = 1e-5) -> tuple[Array, Array]:
    """x̂ = (x − μ)/√(σ² + ε); μ и смещённая дисперсия σ² считаются по осям ``axes``.

    Возвращает (x̂, 1/√(σ² + ε)) — второе с keepdims, для обратного прохода.

    >>> xh, _ = standardize(np.array([[1.0, 3.0], [3.0, 7.0]]), axes=(0,), eps=0.0)
    >>> xh.tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """
    xc = x - x.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    return xc * inv_std, inv_std


def standardize_backward(dxhat: Array, xhat: Array, inv_std: Array,
                         axes: tuple[int, ...]) -> Array:
    """∂L/∂x = (1/σ̂)·(g − mean(g) − x̂·mean(g ⊙ x̂)), g = ∂L/∂x̂, средние по ``axes``.

    Сумма градиента по группе равна нулю: сдвиг всей группы не меняет x̂.

    >>> rng = np.random.default_rng(0); x = rng.normal(size=(5, 3))
    >>> xh, s = standardize(x, (0,))
    >>> dx = standardize_backward(rng.normal(size=(5, 3)), xh, s, (0,))
    >>> np.allclose(dx.sum(axis=0), 0)
    True
    """
    mean_g = dxhat.mean(axis=axes, keepdims=True)
    mean_gx = (dxhat * xhat).mean(axis=axes, keepdims=True)
    return inv_std * (dxhat - mean_g - xhat * mean_gx)
# --8<-- [end:standardize]


def _channel(v: Array, ndim: int) -> Array:
    """Вектор длины C в форме (1, C, 1, …) для поканального умножения тензора (N, C, …)."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


# --8<-- [start:batchnorm]
class BatchNorm:
    """Пакетная нормализация (Ioffe & Szegedy, 2015) по каналам — оси 1 тензора (N, C, …).

    Обучение: y = γ·(x − μ_B)/√(σ²_B + ε) + β, статистики по пакету (и пространству);
    скользящие средние: r ← (1 − m)·r + m·stat, для дисперсии — несмещённая оценка, как в PyTorch.
    Инференс (``training = False``): вместо μ_B, σ²_B — накопленные running_mean, running_var.

    >>> bn = BatchNorm(2); y = bn.forward(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> y.round(3).tolist(), bn.running_mean.tolist(), bn.running_var.tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [0.2, 2.0], [1.1, 20.9])
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.gamma, self.beta = np.ones(num_features), np.zeros(num_features)
        self.running_mean, self.running_var = np.zeros(num_features), np.ones(num_features)
        self.eps, self.momentum, self.training = eps, momentum, True

    def forward(self, x: Array) -> Array:
        axes = (0,) + tuple(range(2, x.ndim))            # все оси, кроме канала
        if self.training:
            xhat, inv_std = standardize(x, axes, self.eps)
            m = x.size // x.shape[1]                      # элементов на канал
            mu, var = x.mean(axis=axes), inv_std.ravel() ** -2 - self.eps   # σ²_B из 1/√(σ²_B + ε)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
            self.running_var = ((1 - self.momentum) * self.running_var
                                + self.momentum * var * m / (m - 1))
        else:
            inv_std = _channel(1.0 / np.sqrt(self.running_var + self.eps), x.ndim)
            xhat = (x - _channel(self.running_mean, x.ndim)) * inv_std
        self.cache = (xhat, inv_std, axes)
        return _channel(self.gamma, x.ndim) * xhat + _channel(self.beta, x.ndim)

    def backward(self, dy: Array) -> Array:
        """Заполняет dgamma = Σ dy ⊙ x̂, dbeta = Σ dy и возвращает ∂L/∂x."""
        xhat, inv_std, axes = self.cache
        self.dgamma, self.dbeta = (dy * xhat).sum(axis=axes), dy.sum(axis=axes)
        dxhat = dy * _channel(self.gamma, dy.ndim)
        if self.training:                                 # μ_B и σ_B зависят от x
            return standardize_backward(dxhat, xhat, inv_std, axes)
        return dxhat * inv_std                            # на инференсе — константы
# --8<-- [end:batchnorm]


# --8<-- [start:alternatives]
def layer_norm(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    """LayerNorm (Ba et al., 2016): статистики каждого примера по последним осям формы gamma.

    >>> layer_norm(np.array([[1.0, 2.0, 3.0]]), np.ones(3), np.zeros(3), eps=0).round(4).tolist()
    [[-1.2247, 0.0, 1.2247]]
    """
    axes = tuple(range(x.ndim - gamma.ndim, x.ndim))
    return standardize(x, axes, eps)[0] * gamma + beta


def instance_norm(x: Array, eps: float = 1e-5) -> Array:
    """InstanceNorm (Ulyanov et al., 2016): каждый канал каждого примера по пространству (H, W).

    >>> instance_norm(np.array([[[0.0, 2.0], [5.0, 5.0]]])).round(3).tolist()
    [[[-1.0, 1.0], [0.0, 0.0]]]
    """
    return standardize(x, tuple(range(2, x.ndim)), eps)[0]


def group_norm(x: Array, groups: int, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    """GroupNorm (Wu & He, 2018): C каналов делятся на G групп, статистики — по группе и (H, W).

    G = 1 — LayerNorm по (C, H, W), G = C — InstanceNorm.

    >>> x = np.arange(8.0).reshape(1, 4, 2)
    >>> np.allclose(group_norm(x, 4, np.ones(4), np.zeros(4)), instance_norm(x))
    True
    """
    xg = standardize(x.reshape(x.shape[0], groups, -1), (2,), eps)[0].reshape(x.shape)
    return xg * _channel(gamma, x.ndim) + _channel(beta, x.ndim)


def rms_norm(x: Array, g: Array, eps: float = 1e-6) -> Array:
    """RMSNorm (Zhang & Sennrich, 2019): y = x / √(mean(x²) + ε) ⊙ g — без вычитания среднего и β.

    >>> rms_norm(np.array([[3.0, 4.0]]), np.ones(2), eps=0).round(4).tolist()
    [[0.8485, 1.1314]]
    """
    return x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + eps) * g


def weight_norm(V: Array, g: Array) -> Array:
    """Нормализация весов (Salimans & Kingma, 2016): столбец j матрицы W ∈ R^{d_in×d_out}
    равен w_j = g_j · v_j / ‖v_j‖ — длина g_j и направление v_j обучаются отдельно.

    >>> weight_norm(np.array([[3.0], [4.0]]), np.array([10.0])).tolist()
    [[6.0], [8.0]]
    """
    return g * V / np.linalg.norm(V, axis=0)


def weight_norm_backward(dW: Array, V: Array, g: Array) -> tuple[Array, Array]:
    """∂L/∂g_j = ∇_{w_j}L · v_j/‖v_j‖;  ∂L/∂v_j = (g_j/‖v_j‖)·∇_{w_j}L − (g_j·∂L/∂g_j/‖v_j‖²)·v_j.

    Градиент по v ортогонален v: шаг меняет направление, а длину задаёт g.

    >>> V = np.array([[3.0], [4.0]])
    >>> dg, dV = weight_norm_backward(np.array([[1.0], [0.0]]), V, np.ones(1))
    >>> dg.tolist(), float((dV * V).sum())
    ([0.6], 0.0)
    """
    norm = np.linalg.norm(V, axis=0)
    dg = (dW * V).sum(axis=0) / norm
    return dg, g / norm * dW - g * dg / norm ** 2 * V
# --8<-- [end:alternatives]
