"""Смесь экспертов (mixture of experts, MoE) вместо FFN трансформера: маршрутизатор, top-k
гейтинг (Shazeer et al., 2017) и вспомогательная потеря балансировки нагрузки Switch Transformer
(Fedus et al., 2022).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor


# --8<-- [start:moe]
def top_k_gates(router_logits: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """G(x) = softmax(KeepTopK(x W_g, k)): веса k лучших экспертов, у остальных 0 (Shazeer et al.,
    2017, без шумовой добавки). Возвращает (веса (n, E), индексы выбранных экспертов (n, k)).

    >>> g, idx = top_k_gates(torch.tensor([[2.0, 0.0, 1.0, -1.0]]), k=2)
    >>> g, idx
    (tensor([[0.7311, 0.0000, 0.2689, 0.0000]]), tensor([[0, 2]]))
    """
    top = torch.topk(router_logits, k, dim=-1)
    gates = torch.zeros_like(router_logits).scatter(-1, top.indices, torch.softmax(top.values, -1))
    return gates, top.indices


def load_balancing_loss(router_probs: Tensor, expert_index: Tensor) -> Tensor:
    """Потеря Switch Transformer: N · Σᵢ fᵢ · Pᵢ; fᵢ — доля токенов, отправленных эксперту i
    (по первому выбору), Pᵢ — средняя вероятность маршрутизатора для i. При равномерной загрузке
    потеря равна 1 (авторы называют это минимумом; при несогласованных f и P бывает немного ниже);
    если все токены у одного эксперта с вероятностью 1, потеря равна N.
    Градиент идёт через Pᵢ (fᵢ — счётчик, недифференцируем).

    >>> n_experts = 4
    >>> uniform = torch.full((8, n_experts), 1 / n_experts)
    >>> float(load_balancing_loss(uniform, torch.arange(8) % n_experts))
    1.0
    >>> collapsed = F.one_hot(torch.zeros(8, dtype=torch.long), n_experts).float()
    >>> float(load_balancing_loss(collapsed, torch.zeros(8, dtype=torch.long)))
    4.0
    """
    n_experts = router_probs.shape[-1]
    f = F.one_hot(expert_index, n_experts).float().mean(0)      # доля токенов
    P = router_probs.mean(0)                                     # доля вероятности
    return n_experts * (f * P).sum()


class MoE(nn.Module):
    """y = Σ_{i ∈ top-k} gᵢ(x) · FFNᵢ(x): каждый токен обрабатывают только k из E экспертов.
    Параметров в E раз больше, чем у одного FFN, а вычислений на токен — как у k FFN.

    >>> moe = MoE(d_model=8, d_ff=16, n_experts=4, k=2)
    >>> y, aux = moe(torch.randn(5, 8))
    >>> tuple(y.shape), aux.shape
    ((5, 8), torch.Size([]))
    """

    def __init__(self, d_model: int, d_ff: int, n_experts: int, k: int = 2, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.router = nn.Linear(d_model, n_experts, bias=False)     # W_g
            self.experts = nn.ModuleList(
                nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
                for _ in range(n_experts))
        self.k = k

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x (n_tokens, d_model) → (y, вспомогательная потеря балансировки)."""
        logits = self.router(x)
        gates, idx = top_k_gates(logits, self.k)
        y = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            tokens = (idx == e).any(-1).nonzero().squeeze(-1)      # кого направили к эксперту e
            if len(tokens):
                y[tokens] += gates[tokens, e, None] * expert(x[tokens])
        aux = load_balancing_loss(torch.softmax(logits, -1), idx[:, 0])
        return y, aux
# --8<-- [end:moe]


def expert_load(moe: MoE, x: Tensor) -> Tensor:
    """Доля токенов, для которых эксперт — первый выбор маршрутизатора."""
    with torch.no_grad():
        idx = moe.router(x).argmax(-1)
    return torch.bincount(idx, minlength=len(moe.experts)).float() / len(x)


def balance_router(moe: MoE, x: Tensor, steps: int = 60, lr: float = 0.5) -> list[float]:
    """Учит только маршрутизатор по потере балансировки (без основной задачи) — показать, что
    она выравнивает нагрузку. Возвращает значения потери по шагам."""
    W = moe.router.weight
    history = []
    for _ in range(steps):
        logits = moe.router(x)
        loss = load_balancing_loss(torch.softmax(logits, -1), logits.argmax(-1))
        grad, = torch.autograd.grad(loss, W)
        with torch.no_grad():
            W -= lr * grad                                         # шаг SGD
        history.append(loss.item())
    return history
