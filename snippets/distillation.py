"""Сжатие модели: дистилляция знаний (Hinton et al., 2015) и прунинг по модулю весов
(Han et al., 2015) на маленьком стенде — синтетическая классификация и MLP на PyTorch.

Тот же стенд (``make_task``, ``mlp``, ``train``, ``accuracy``) используют ``snippets.quantization``
и ``snippets.onnx_export``. Тесты сверяют потерю дистилляции с формулой через ``F.kl_div``,
а прунинг — с ``torch.nn.utils.prune.global_unstructured``.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from snippets._threads import one_thread

Tensor = torch.Tensor


def make_task(n: int = 4000, d: int = 16, n_classes: int = 8, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Синтетическая задача: у каждого класса 3 гауссовых облака в R^d, облака перекрываются.

    >>> X, y = make_task(100); X.shape, int(y.max())
    (torch.Size([100, 16]), 7)
    """
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(n_classes * 3, d, generator=g) * 1.5
    comp = torch.randint(0, n_classes * 3, (n,), generator=g)
    X = centers[comp] + torch.randn(n, d, generator=g)
    return X, comp % n_classes


def mlp(sizes: list[int], seed: int = 0) -> nn.Sequential:
    """Linear → ReLU → … → Linear (логиты).

    >>> mlp([16, 32, 8])
    Sequential(
      (0): Linear(in_features=16, out_features=32, bias=True)
      (1): ReLU()
      (2): Linear(in_features=32, out_features=8, bias=True)
    )
    """
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


@torch.no_grad()
def accuracy(model: nn.Module, X: Tensor, y: Tensor) -> float:
    """Доля верных argmax(логиты)."""
    return float((model(X).argmax(1) == y).float().mean())


# --8<-- [start:kd]
def kd_loss(student_logits: Tensor, teacher_logits: Tensor, y: Tensor, T: float = 4.0,
            alpha: float = 0.9) -> Tensor:
    """Потеря дистилляции (Hinton et al., 2015):

    L = α·T²·KL(softmax(v/T) ‖ softmax(z/T)) + (1 − α)·CE(z, y),

    z — логиты ученика, v — учителя, T — температура. Градиент мягкой части по z_i равен
    (q_i − p_i)/T, q и p — «мягкие» вероятности ученика и учителя, и при большом T
    ≈ (z_i − v_i)/(K·T²); множитель T² возвращает ему масштаб, не зависящий от T.

    >>> z = torch.tensor([[2.0, 0.0]]); round(kd_loss(z, z, torch.tensor([0]), alpha=1.0).item(), 6)
    0.0
    """
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.log_softmax(teacher_logits / T, dim=1),
                    reduction="batchmean", log_target=True)
    return alpha * T * T * soft + (1 - alpha) * F.cross_entropy(student_logits, y)
# --8<-- [end:kd]


# --8<-- [start:train]
def train(model: nn.Module, X: Tensor, y: Tensor, epochs: int = 30, lr: float = 3e-3,
          batch_size: int = 128, teacher: nn.Module | None = None, T: float = 4.0,
          alpha: float = 0.9, seed: int = 0) -> nn.Module:
    """Adam по мини-пакетам; с ``teacher`` — потеря дистилляции, без него — кросс-энтропия.

    Модели крошечные, поэтому обучение идёт в одном потоке (синхронизация потоков дороже).
    """
    with one_thread():
        return _train_loop(model, X, y, epochs, lr, batch_size, teacher, T, alpha, seed)


def _train_loop(model: nn.Module, X: Tensor, y: Tensor, epochs: int, lr: float, batch_size: int,
                teacher: nn.Module | None, T: float, alpha: float, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(X), generator=g).split(batch_size):
            logits = model(X[idx])
            if teacher is None:
                loss = F.cross_entropy(logits, y[idx])
            else:
                with torch.no_grad():
                    t_logits = teacher(X[idx])
                loss = kd_loss(logits, t_logits, y[idx], T, alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()
# --8<-- [end:train]


# --8<-- [start:prune]
@torch.no_grad()
def magnitude_prune(model: nn.Module, sparsity: float) -> nn.Module:
    """Глобальный прунинг по модулю (Han et al., 2015): обнулить долю ``sparsity`` весов всех
    nn.Linear с наименьшими |w| (порог общий для всех слоёв; смещения не трогаем).

    >>> m = magnitude_prune(nn.Linear(10, 10), 0.3); int((m.weight == 0).sum())
    30
    """
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    scores = torch.cat([w.abs().flatten() for w in weights])
    k = round(sparsity * scores.numel())
    if k == 0:
        return model
    threshold = scores.kthvalue(k).values
    for w in weights:
        w.mul_(w.abs() > threshold)
    return model
# --8<-- [end:prune]


def sparsity(model: nn.Module) -> float:
    """Доля нулевых весов в слоях nn.Linear."""
    ws = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    return float(sum(int((w == 0).sum()) for w in ws) / sum(w.numel() for w in ws))


def finetune_pruned(model: nn.Module, X: Tensor, y: Tensor, epochs: int = 30, **kw) -> nn.Module:
    """Дообучение после прунинга (Han et al., 2015): градиент обнулённых весов маскируется,
    поэтому они остаются нулями (у Adam с нулевым градиентом и нулевыми моментами шаг — 0)."""
    def keep_zeros(mask: Tensor):
        return lambda grad: grad * mask

    hooks = [m.weight.register_hook(keep_zeros((m.weight != 0).float()))
             for m in model.modules() if isinstance(m, nn.Linear)]
    try:
        return train(model, X, y, epochs=epochs, **kw)
    finally:
        for h in hooks:
            h.remove()
