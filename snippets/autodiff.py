"""Автодифференцирование с нуля: обратный режим (Value), прямой режим (Dual), рисунок графа."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import explorable, new_figure


# --8<-- [start:value]
class _Arith:
    """Остальная арифметика через +, * и ** (общая для Value и Dual)."""

    @classmethod
    def lift(cls, x):
        return x if isinstance(x, cls) else cls(x)

    def __neg__(self):
        return self * -1.0

    def __sub__(self, o):
        return self + (-self.lift(o))

    def __truediv__(self, o):
        return self * self.lift(o) ** -1.0

    def __radd__(self, o):
        return self + o

    def __rmul__(self, o):
        return self * o

    def __rsub__(self, o):
        return self.lift(o) - self

    def __rtruediv__(self, o):
        return self.lift(o) / self


class Value(_Arith):
    """Скаляр — вершина вычислительного графа; обратный режим (reverse mode, VJP).

    Каждая операция запоминает родителей и локальные производные ∂out/∂parent.
    ``backward`` обходит граф в обратном топологическом порядке и накапливает
    ``grad += out.grad · ∂out/∂parent`` (вклады путей складываются).

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a          # c = ab + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad  # ∂c/∂a = b + 1, ∂c/∂b = a
    (-4.0, -2.0, 2.0)
    """

    def __init__(self, data: float, parents: tuple = (), op: str = "", label: str = ""):
        self.data, self.grad = float(data), 0.0
        self.parents: tuple[tuple[Value, float], ...] = parents  # (родитель, ∂self/∂родитель)
        self.op, self.label = op, label

    def __add__(self, o):
        o = self.lift(o)
        return Value(self.data + o.data, ((self, 1.0), (o, 1.0)), "+")

    def __mul__(self, o):
        o = self.lift(o)
        return Value(self.data * o.data, ((self, o.data), (o, self.data)), "*")

    def __sub__(self, o):
        o = self.lift(o)
        return Value(self.data - o.data, ((self, 1.0), (o, -1.0)), "−")

    def __pow__(self, k: float):
        return Value(self.data ** k, ((self, k * self.data ** (k - 1)),), f"^{k:g}")

    def _unary(self, out: float, local: float, op: str) -> Value:
        return Value(out, ((self, local),), op)

    def exp(self):
        return self._unary(math.exp(self.data), math.exp(self.data), "exp")

    def log(self):
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def relu(self):
        return self._unary(max(self.data, 0.0), float(self.data > 0), "relu")

    def sin(self):
        return self._unary(math.sin(self.data), math.cos(self.data), "sin")

    def backward(self) -> None:
        """∂self/∂v для всех v графа: затравка self.grad = 1, затем VJP в обратном топопорядке."""
        self.grad = 1.0
        for node in reversed(topo_order(self)):       # от выхода к листьям
            for parent, local in node.parents:
                parent.grad += node.grad * local       # цепное правило, += на ветвлениях

    def __repr__(self) -> str:
        return f"Value({self.data:.4g}, grad={self.grad:.4g})"


def topo_order(root: Value) -> list[Value]:
    """Топологическая сортировка (DFS, post-order): каждая вершина — после всех своих родителей.

    >>> x = Value(1.0); y = x * x; z = y + x
    >>> [v.op or "лист" for v in topo_order(z)]
    ['лист', '*', '+']
    """
    order, seen = [], set()

    def visit(v: Value) -> None:
        if id(v) not in seen:
            seen.add(id(v))
            for parent, _ in v.parents:
                visit(parent)
            order.append(v)

    visit(root)
    return order
# --8<-- [end:value]


# --8<-- [start:dual]
class Dual(_Arith):
    """Дуальное число a + bε, ε² = 0: f(a + bε) = f(a) + f'(a)·b·ε — прямой режим (forward, JVP).

    >>> y = Dual(2.0, 1.0) ** 3 + 1    # x³ + 1 и d/dx при x = 2
    >>> y.val, y.eps
    (9.0, 12.0)
    """

    def __init__(self, val: float, eps: float = 0.0):
        self.val, self.eps = float(val), float(eps)

    def __add__(self, o):
        o = self.lift(o)
        return Dual(self.val + o.val, self.eps + o.eps)

    def __mul__(self, o):
        o = self.lift(o)
        return Dual(self.val * o.val, self.val * o.eps + self.eps * o.val)   # (a+bε)(c+dε)

    def __pow__(self, k: float):
        return Dual(self.val ** k, k * self.val ** (k - 1) * self.eps)

    def _chain(self, f: float, df: float) -> Dual:      # f(a + bε) = f(a) + f'(a) b ε
        return Dual(f, df * self.eps)

    def exp(self):
        return self._chain(math.exp(self.val), math.exp(self.val))

    def log(self):
        return self._chain(math.log(self.val), 1.0 / self.val)

    def tanh(self):
        t = math.tanh(self.val)
        return self._chain(t, 1.0 - t * t)

    def relu(self):
        return self._chain(max(self.val, 0.0), float(self.val > 0))

    def sin(self):
        return self._chain(math.sin(self.val), math.cos(self.val))


def jvp(f: Callable, x: Sequence[float], v: Sequence[float]) -> tuple[float, float]:
    """(f(x), J(x)·v) за один прямой проход на дуальных числах.

    >>> jvp(lambda a, b: a * b + a, [2.0, -3.0], [1.0, 0.0])   # ∂/∂a (ab + a) = b + 1
    (-4.0, -2.0)
    """
    out = f(*(Dual(xi, vi) for xi, vi in zip(x, v)))
    return out.val, out.eps
# --8<-- [end:dual]


# --8<-- [start:grad-modes]
def grad_forward(f: Callable, x: Sequence[float]) -> tuple[list[float], int]:
    """Градиент f: ℝⁿ → ℝ прямым режимом: n проходов, по одному на базисный вектор eᵢ."""
    n = len(x)
    grads = [jvp(f, x, [float(i == j) for j in range(n)])[1] for i in range(n)]
    return grads, n


def grad_reverse(f: Callable, x: Sequence[float]) -> tuple[list[float], int]:
    """Градиент f: ℝⁿ → ℝ обратным режимом: один прямой проход + один обратный."""
    xs = [Value(xi) for xi in x]
    f(*xs).backward()
    return [v.grad for v in xs], 1
# --8<-- [end:grad-modes]


def expression_swell(n_max: int = 4) -> list[tuple[int, int, int]]:
    """Символьное дифференцирование логистического отображения l₍ₙ₊₁₎ = 4lₙ(1 − lₙ), l₁ = x
    (пример Baydin et al., 2018): (n, операций в lₙ, операций в dlₙ/dx без упрощения).

    >>> expression_swell(2)
    [(1, 0, 0), (2, 3, 2)]
    """
    import sympy as sp

    x = sp.Symbol("x")
    rows, l = [], x
    for n in range(1, n_max + 1):
        rows.append((n, int(sp.count_ops(l)), int(sp.count_ops(sp.diff(l, x)))))
        l = 4 * l * (1 - l)
    return rows


def _positions(order: list[Value]) -> dict[int, tuple[int, int]]:
    """Раскладка графа: столбец — длиннейший путь от листа, в столбце вершины сверху вниз."""
    depth: dict[int, int] = {}
    for v in order:
        depth[id(v)] = 1 + max((depth[id(p)] for p, _ in v.parents), default=-1)
    rows: dict[int, int] = {}
    pos = {}
    for v in order:
        d = depth[id(v)]
        pos[id(v)] = (d, -rows.get(d, 0))
        rows[d] = rows.get(d, 0) + 1
    return pos


def _name(v: Value) -> str:
    return v.label or v.op or "const"


def graph_figure(root: Value, title: str = "Вычислительный граф") -> go.Figure:
    """Граф выражения: слева листья, справа выход; в вершине — операция, значение и градиент."""
    order = topo_order(root)
    pos = _positions(order)
    fig = new_figure(title, "", "")
    for v in order:
        for p, local in v.parents:
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(v)]
            fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowsize=1.2, standoff=22,
                               startstandoff=22, opacity=0.6)
            fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=f"∂={local:.3g}",
                               showarrow=False, font=dict(size=11), yshift=8)
    text = [f"<b>{_name(v)}</b><br>{v.data:.3g}<br>grad {v.grad:.3g}" for v in order]
    fig.add_scatter(x=[pos[id(v)][0] for v in order], y=[pos[id(v)][1] for v in order],
                    mode="markers+text", text=text, textposition="middle center",
                    marker=dict(size=58, symbol="circle", opacity=0.25, line=dict(width=1.5)),
                    hoverinfo="text", hovertext=[t.replace("<br>", " · ") for t in text],
                    showlegend=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor=None)
    fig.update_layout(height=340, margin=dict(l=20, r=20, t=50, b=20))
    return fig


def pass_states(root: Value) -> list[tuple[str, dict[int, float], dict[int, float]]]:
    """Состояния прямого и обратного прохода по шагам: (подпись, известные значения, накопленные
    градиенты). Прямой проход — по вершине в топологическом порядке; обратный — затравка
    ∂y/∂y = 1, затем по вершине в обратном порядке: она раздаёт градиент родителям.

    >>> x = Value(3.0, label="x"); y = x * x
    >>> [(s[0], list(s[2].values())) for s in pass_states(y)]
    [('вход x', []), ('вперёд: *', []), ('затравка ȳ = 1', [1.0]), ('назад: * раздаёт градиент', [1.0, 6.0])]
    """
    order = topo_order(root)
    states, values = [], {}
    for v in order:                                      # прямой проход
        values[id(v)] = v.data
        kind = f"вход {_name(v)}" if not v.parents else f"вперёд: {_name(v)}"
        states.append((kind, dict(values), {}))
    grads = {id(root): 1.0}
    states.append(("затравка ȳ = 1", dict(values), dict(grads)))
    for v in reversed(order):                            # обратный проход
        if not v.parents:
            continue
        for p, local in v.parents:
            grads[id(p)] = grads.get(id(p), 0.0) + grads[id(v)] * local
        states.append((f"назад: {_name(v)} раздаёт градиент", dict(values), dict(grads)))
    return states


def pass_traces(root: Value, step: int) -> list:
    """Кадр step: вершины (серые — не вычислены, синие — значение есть, красные — градиент есть)."""
    order = topo_order(root)
    pos = _positions(order)
    label, values, grads = pass_states(root)[step]
    text, colors = [], []
    for v in order:
        val = f"{values[id(v)]:.3g}" if id(v) in values else "?"
        grad = f"<br>v̄ = {grads[id(v)]:.3g}" if id(v) in grads else ""
        text.append(f"<b>{_name(v)}</b><br>{val}{grad}")
        colors.append("#d62728" if id(v) in grads else "#1f77b4" if id(v) in values else "#8a8a8a")
    return [go.Scatter(x=[pos[id(v)][0] for v in order], y=[pos[id(v)][1] for v in order],
                       mode="markers+text", text=text, textposition="middle center",
                       marker=dict(size=58, color=colors, opacity=0.3, line=dict(width=1.5)),
                       hoverinfo="skip", name=label)]


def pass_figure(root: Value, title: str, active: int | None = None) -> go.Figure:
    """Граф, по шагам проходимый вперёд и назад: ползунок по шагу (рёбра — общий фон)."""
    order = topo_order(root)
    pos = _positions(order)
    ex, ey = [], []
    for v in order:
        for p, _ in v.parents:
            ex += [pos[id(p)][0], pos[id(v)][0], None]
            ey += [pos[id(p)][1], pos[id(v)][1], None]
    edges = go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#8a8a8a", width=1.5),
                       hoverinfo="skip", showlegend=False)
    states = pass_states(root)
    steps = list(range(len(states)))
    fig = explorable(title, "", "", "шаг", steps, lambda k: pass_traces(root, k),
                     active=len(states) - 1 if active is None else active,
                     title_for=lambda k: f"{title} — шаг {k}: {states[k][0]}", static=[edges])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=500, showlegend=False, margin=dict(l=20, r=20, t=60, b=20))
    return fig


def fd_errors(hs: list[float], dtype=np.float64, x: float = 1.0) -> tuple[list[float], list[float]]:
    """Ошибки односторонней и центральной разности для (sin x)' = cos x в заданной точности.

    >>> fwd, cen = fd_errors([1e-2]); bool(cen[0] < fwd[0])
    True
    """
    x_, exact = dtype(x), np.cos(x)
    fwd, cen = [], []
    for h in hs:
        h_ = dtype(h)
        fwd.append(abs(float((np.sin(x_ + h_) - np.sin(x_)) / h_) - exact))
        cen.append(abs(float((np.sin(x_ + h_) - np.sin(x_ - h_)) / (dtype(2) * h_)) - exact))
    return fwd, cen


def fd_figure() -> go.Figure:
    """Ошибка конечных разностей от шага h в float32 и float64 (лог-лог)."""
    hs = list(np.logspace(-14, 0, 57))
    fig = new_figure("Ошибка конечных разностей для (sin x)′ при x = 1", "шаг h",
                     "|ошибка|")
    for dtype, dash in [(np.float64, "solid"), (np.float32, "dot")]:
        fwd, cen = fd_errors(hs, dtype)
        name = dtype.__name__
        fig.add_scatter(x=hs, y=[max(e, 1e-17) for e in fwd], mode="lines",
                        name=f"односторонняя, {name}", line=dict(dash=dash, color="#1f77b4"))
        fig.add_scatter(x=hs, y=[max(e, 1e-17) for e in cen], mode="lines",
                        name=f"центральная, {name}", line=dict(dash=dash, color="#d62728"))
    fig.update_xaxes(type="log", exponentformat="power")
    fig.update_yaxes(type="log", exponentformat="power", range=[-13, 1])
    fig.update_layout(height=420)
    return fig


__all__ = ["Value", "topo_order", "Dual", "jvp", "grad_forward", "grad_reverse", "expression_swell",
           "graph_figure", "pass_states", "pass_traces", "pass_figure", "fd_errors", "fd_figure"]
