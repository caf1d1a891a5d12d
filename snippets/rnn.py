"""Рекуррентные ячейки с нуля: Elman RNN, LSTM, GRU — и градиент сквозь время.

Elman (1990); Hochreiter & Schmidhuber (1997), забывающий гейт — Gers et al. (2000); GRU — Cho et
al. (2014). Формулы и порядок гейтов — как в ``torch.nn.RNNCell/LSTMCell/GRUCell``, но в
обозначениях книги: строки — примеры, ``h @ W_h`` с W_h ∈ R^{d_h×k·d_h}. Тесты сверяют наши
ячейки с ячейками PyTorch.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import torch
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread

Tensor = torch.Tensor
State = Tensor | tuple[Tensor, Tensor]


class Cell(nn.Module):
    """Общее для ячеек: W_x ∈ R^{d_in×k·d_h}, W_h ∈ R^{d_h×k·d_h}, смещения b_x, b_h (как в PyTorch).

    Инициализация как в PyTorch: все параметры ~ U(−1/√d_h, 1/√d_h).

    >>> cell = LSTMCell.from_torch(nn.LSTMCell(2, 3))
    >>> tuple(cell.W_x.shape), tuple(cell.W_h.shape), tuple(cell.b_x.shape)
    ((2, 12), (3, 12), (12,))
    """

    k = 1   # число блоков весов: RNN 1, GRU 3, LSTM 4

    def __init__(self, d_in: int, d_h: int, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        a = 1 / math.sqrt(d_h)
        u = lambda *shape: nn.Parameter(torch.rand(*shape, generator=g) * 2 * a - a)
        self.d_h = d_h
        self.W_x, self.W_h = u(d_in, self.k * d_h), u(d_h, self.k * d_h)
        self.b_x, self.b_h = u(self.k * d_h), u(self.k * d_h)

    @classmethod
    def from_torch(cls, ref: nn.Module) -> Cell:
        """Ячейка с весами ячейки PyTorch (там weight_ih ∈ R^{k·d_h×d_in}, поэтому транспонируем)."""
        cell = cls(ref.input_size, ref.hidden_size)
        with torch.no_grad():
            for ours, theirs in [(cell.W_x, ref.weight_ih.T), (cell.W_h, ref.weight_hh.T),
                                 (cell.b_x, ref.bias_ih), (cell.b_h, ref.bias_hh)]:
                ours.copy_(theirs)
        return cell

    def zero_state(self, batch: int) -> State:
        return torch.zeros(batch, self.d_h)


# --8<-- [start:elman]
class ElmanRNNCell(Cell):
    """h_t = tanh(x_t W_x + b_x + h_{t−1} W_h + b_h)  (Elman, 1990).

    >>> cell = ElmanRNNCell(2, 3)
    >>> h = cell(torch.ones(4, 2), cell.zero_state(4))
    >>> tuple(h.shape), bool(h.abs().max() < 1)
    ((4, 3), True)
    """

    k = 1

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        return torch.tanh(x @ self.W_x + self.b_x + h @ self.W_h + self.b_h)
# --8<-- [end:elman]


# --8<-- [start:lstm]
class LSTMCell(Cell):
    """LSTM: гейты i, f, o = σ(·), кандидат g = tanh(·) из x_t W_x + h_{t−1} W_h + b;
    c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t).

    При нулевых весах все гейты σ(0) = 0,5, g = 0: память за шаг делится пополам.

    >>> cell = LSTMCell(1, 1)
    >>> _ = [p.data.zero_() for p in cell.parameters()]
    >>> h, c = cell(torch.zeros(1, 1), (torch.zeros(1, 1), torch.ones(1, 1)))
    >>> round(c.item(), 4), round(h.item(), 4)           # c = 0,5·1; h = 0,5·tanh(0,5)
    (0.5, 0.2311)
    """

    k = 4

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        h, c = state
        z = x @ self.W_x + self.b_x + h @ self.W_h + self.b_h      # (B, 4·d_h) за одно умножение
        i, f, g, o = z.chunk(4, dim=-1)                              # порядок гейтов PyTorch
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # аддитивный путь памяти
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def zero_state(self, batch: int) -> tuple[Tensor, Tensor]:
        return torch.zeros(batch, self.d_h), torch.zeros(batch, self.d_h)
# --8<-- [end:lstm]


# --8<-- [start:gru]
class GRUCell(Cell):
    """GRU в варианте PyTorch/cuDNN: r, z = σ(·);  n = tanh(x W_xn + b_xn + r ⊙ (h W_hn + b_hn));
    h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.  У Cho et al. (2014) — r ⊙ h внутри: tanh(x W_xn + (r ⊙ h) W_hn).

    >>> cell = GRUCell(1, 1)
    >>> _ = [p.data.zero_() for p in cell.parameters()]
    >>> cell(torch.zeros(1, 1), torch.ones(1, 1)).item()   # z = 0,5, n = 0: h = 0,5·1
    0.5
    """

    k = 3

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        xr, xz, xn = (x @ self.W_x + self.b_x).chunk(3, dim=-1)
        hr, hz, hn = (h @ self.W_h + self.b_h).chunk(3, dim=-1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        return (1 - z) * n + z * h                                   # интерполяция старого и нового
# --8<-- [end:gru]


CELLS = {"rnn": ElmanRNNCell, "lstm": LSTMCell, "gru": GRUCell}


def n_params(kind: str, d_in: int, d_h: int, two_biases: bool = True) -> int:
    """Число параметров ячейки: k·(d_h·d_in + d_h·d_h + d_h) плюс ещё k·d_h за второе смещение PyTorch.

    >>> [n_params(k, 100, 128) for k in ("rnn", "gru", "lstm")]
    [29440, 88320, 117760]
    """
    k = CELLS[kind].k
    return k * (d_h * d_in + d_h * d_h + d_h * (2 if two_biases else 1))


# --8<-- [start:unroll]
def unroll(cell: Cell, xs: Tensor, state: State | None = None,
           truncate: int | None = None) -> tuple[Tensor, State]:
    """Развёртка во времени: xs (T, B, d_in) → выходы h_1…h_T (T, B, d_h) и последнее состояние.

    truncate=k — усечённый BPTT: каждые k шагов состояние отрывается от графа (detach), и
    градиент идёт назад не дальше начала своего отрезка.

    >>> hs, (h, c) = unroll(LSTMCell(3, 5), torch.randn(7, 2, 3))
    >>> tuple(hs.shape), torch.equal(hs[-1], h)
    ((7, 2, 5), True)
    """
    state = cell.zero_state(xs.shape[1]) if state is None else state
    outs = []
    for t in range(xs.shape[0]):
        if truncate and t % truncate == 0:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        state = cell(xs[t], state)
        outs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outs), state
# --8<-- [end:unroll]


@one_thread()
def input_grad_norms(kind: str, T: int = 100, d: int = 32, truncate: int | None = None,
                     forget_bias: float = 0.0, w_scale: float = 1.0, seed: int = 0) -> list[float]:
    """‖∂L/∂x_t‖ для t = 1…T, где L = wᵀh_T: насколько потеря в конце «слышит» вход шага t.

    forget_bias прибавляется к смещению забывающего гейта LSTM (Jozefowicz et al., 2015 советуют 1);
    w_scale умножает рекуррентную матрицу W_h.
    """
    cell = CELLS[kind](d, d, seed=seed)
    with torch.no_grad():
        cell.W_h *= w_scale
        if kind == "lstm":
            cell.b_h[d:2 * d] += forget_bias
    g = torch.Generator().manual_seed(seed + 1)
    xs = torch.randn(T, 1, d, generator=g, requires_grad=True)
    w = torch.randn(d, generator=g)
    hs, _ = unroll(cell, xs, truncate=truncate)
    (hs[-1, 0] @ w).backward()
    return xs.grad[:, 0].norm(dim=-1).tolist()


SETUPS = [  # (ячейка, усечение, смещение f, множитель W_h, подпись)
    ("rnn", None, 0.0, 1.0, "RNN"), ("rnn", None, 0.0, 4.0, "RNN, W_h × 4"),
    ("gru", None, 0.0, 1.0, "GRU"), ("lstm", None, 0.0, 1.0, "LSTM, смещение f = 0"),
    ("lstm", None, 1.0, 1.0, "LSTM, смещение f = 1"), ("lstm", None, 3.0, 1.0, "LSTM, смещение f = 3"),
    ("lstm", 20, 1.0, 1.0, "LSTM, f = 1, усечённый BPTT, k = 20")]


@one_thread()
def grad_through_time_figure(T: int = 100) -> go.Figure:
    """Норма градиента по входу шага t (лог-шкала) для разных ячеек и инициализаций."""
    fig = new_figure("Сколько градиента доходит от потери на шаге T до входа шага t",
                     "шаг t", "‖∂L/∂x_t‖ (лог. шкала)")
    for kind, trunc, fb, scale, name in SETUPS:
        norms = input_grad_norms(kind, T=T, truncate=trunc, forget_bias=fb, w_scale=scale)
        pts = [(t + 1, float(f"{v:.3g}")) for t, v in enumerate(norms) if v > 0]   # 0 нельзя на лог-шкале
        fig.add_scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines", name=name)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# --8<-- [start:radius]
@one_thread()
def radius_grad_norms(rho: float, activation: str = "tanh", T: int = 60, d: int = 32,
                      seed: int = 0) -> list[float]:
    """‖∂L/∂x_t‖, t = 1…T, для RNN h_t = φ(x_t W_x + h_{t−1} W_h), L = wᵀh_T, W_h масштабирована
    к спектральному радиусу ρ (наибольший модуль собственного значения).

    φ = tanh или тождественная ("linear"). У линейной RNN ∂h_T/∂x_t = W_x W_h^{T−t}, и норма
    ведёт себя как ρ^{T−t}: затухает при ρ < 1 и взрывается при ρ > 1.

    >>> g = radius_grad_norms(0.5, "linear", T=30)
    >>> 1e-9 < g[0] / g[-1] < 1e-7                      # ≈ 0,5^29 ≈ 1,9e-9 с точностью до константы
    True
    """
    g = torch.Generator().manual_seed(seed)
    W_h = torch.randn(d, d, generator=g, dtype=torch.float64)
    W_h *= rho / torch.linalg.eigvals(W_h).abs().max()
    W_x = 0.1 * torch.randn(d, d, generator=g, dtype=torch.float64) / math.sqrt(d)   # слабый вход
    xs = torch.randn(T, d, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(d, generator=g, dtype=torch.float64)
    phi = torch.tanh if activation == "tanh" else (lambda a: a)
    h = torch.zeros(d, dtype=torch.float64)
    for t in range(T):
        h = phi(xs[t] @ W_x + h @ W_h)
    (h @ w).backward()
    return xs.grad.norm(dim=-1).tolist()
# --8<-- [end:radius]


RADII = [0.5, 0.8, 0.95, 1.0, 1.05, 1.2, 1.5]


def radius_traces(rho: float, T: int = 60) -> list[go.Scatter]:
    """Трассы одного кадра: линейная RNN, RNN с tanh и прямая ρ^{T−t} (через точку t = T)."""
    lin, tanh = radius_grad_norms(rho, "linear", T), radius_grad_norms(rho, "tanh", T)
    ts = list(range(1, T + 1))
    theory = [lin[-1] * rho ** (T - t) for t in ts]
    return [go.Scatter(x=ts, y=lin, mode="lines", name="линейная RNN"),
            go.Scatter(x=ts, y=tanh, mode="lines", name="RNN с tanh"),
            go.Scatter(x=ts, y=theory, mode="lines", name="ρ^(T−t)", line={"dash": "dot"})]


def spectral_radius_figure(radii: list[float] = RADII, active: int = 5) -> go.Figure:
    """Ползунок по спектральному радиусу W_h: как градиент идёт назад во времени."""
    from snippets._plotting import explorable
    fig = explorable("Градиент сквозь время и спектральный радиус W_h", "шаг t",
                     "‖∂L/∂x_t‖ (лог. шкала)", "спектральный радиус ρ", radii, radius_traces,
                     active=active, title_for=lambda r: f"Градиент сквозь время: ρ(W_h) = {r:g}")
    fig.update_yaxes(type="log", exponentformat="power")
    return fig
