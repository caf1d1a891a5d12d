"""Движок обратного режима и дуальные числа против torch.autograd на случайных выражениях."""

import numpy as np
import pytest
import torch

from snippets.autodiff import (
    Dual,
    Value,
    expression_swell,
    grad_forward,
    grad_reverse,
    graph_figure,
    jvp,
    topo_order,
)


def random_expression(seed: int, n_inputs: int = 3, n_ops: int = 12):
    """Случайное выражение f(*xs): операции над общим пулом вершин (есть ветвления и повторы).

    Операции общие для Value, Dual и torch.Tensor; области определения безопасны (log, деление
    только на x² + 1 > 0).
    """
    rng = np.random.default_rng(seed)
    plan = [(rng.integers(0, 10), rng.integers(0, 10**6), rng.integers(0, 10**6), rng.normal())
            for _ in range(n_ops)]

    def f(*xs):
        pool = list(xs)
        for op, i, j, c in plan:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            out = [a + b, a * b, a - b * c, a / (b * b + 1.0), (a * a + 1.0).log(), a.tanh(),
                   (a * 0.3).exp(), a.relu() + b, (a * a + 0.5) ** -1.5, a.sin() * b][op]
            pool.append(out)
        return pool[-1] + pool[-2] * 0.5 + pool[len(xs)]
    return f


@pytest.mark.parametrize("seed", range(25))
def test_reverse_mode_matches_torch_autograd(seed):
    rng = np.random.default_rng(100 + seed)
    x = rng.normal(size=3)
    f = random_expression(seed)
    xs = [Value(v) for v in x]
    out = f(*xs)
    out.backward()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out_t = f(*xt.unbind())
    out_t.backward()
    torch.testing.assert_close(torch.tensor(out.data, dtype=torch.float64), out_t.detach())
    torch.testing.assert_close(torch.tensor([v.grad for v in xs], dtype=torch.float64), xt.grad)


@pytest.mark.parametrize("seed", range(10))
def test_forward_mode_matches_torch_jvp(seed):
    rng = np.random.default_rng(200 + seed)
    x, v = rng.normal(size=3), rng.normal(size=3)
    f = random_expression(seed)
    val, dval = jvp(f, x, v)
    val_t, dval_t = torch.func.jvp(lambda t: f(*t.unbind()), (torch.tensor(x),), (torch.tensor(v),))
    assert np.isclose(val, val_t.item()) and np.isclose(dval, dval_t.item())


def test_forward_and_reverse_gradients_agree_and_count_passes():
    f = random_expression(7, n_inputs=5)
    x = np.random.default_rng(0).normal(size=5).tolist()
    g_fwd, passes_fwd = grad_forward(f, x)
    g_rev, passes_rev = grad_reverse(f, x)
    np.testing.assert_allclose(g_fwd, g_rev, rtol=1e-10, atol=1e-12)
    assert (passes_fwd, passes_rev) == (5, 1)


def test_topological_order_puts_parents_first_and_visits_shared_nodes_once():
    a = Value(1.5)
    b = a * a
    c = b + a
    d = c * b                      # b используется дважды
    order = topo_order(d)
    assert len(order) == len({id(v) for v in order}) == 4
    pos = {id(v): i for i, v in enumerate(order)}
    for v in order:
        assert all(pos[id(p)] < pos[id(v)] for p, _ in v.parents)
    d.backward()                   # d = (a² + a)·a² = a⁴ + a³ -> 4a³ + 3a²
    assert np.isclose(a.grad, 4 * 1.5**3 + 3 * 1.5**2)


def test_dual_numbers_give_exact_derivative_of_classic_functions():
    y = (Dual(0.7, 1.0).tanh() * 2.0).exp()
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (2 * t.tanh()).exp().backward()
    assert np.isclose(y.eps, t.grad.item())


def test_graph_figure_has_one_marker_per_node():
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    out = (x * w + 1.0).tanh()
    out.backward()
    fig = graph_figure(out)
    assert {t.type for t in fig.data} == {"scatter"}
    assert len(fig.data[0].x) == len(topo_order(out)) == 6
    assert len(fig.to_json()) < 150_000


def test_baydin_example_values():
    """f(x₁, x₂) = ln x₁ + x₁x₂ − sin x₂ в (2, 5): ∂f/∂x₁ = 1/x₁ + x₂, ∂f/∂x₂ = x₁ − cos x₂."""
    x1, x2 = Value(2.0), Value(5.0)
    y = x1.log() + x1 * x2 - x2.sin()
    y.backward()
    assert np.isclose(y.data, np.log(2) + 10 - np.sin(5))
    assert np.isclose(x1.grad, 5.5) and np.isclose(x2.grad, 2 - np.cos(5))
    assert jvp(lambda a, b: a.log() + a * b - b.sin(), [2.0, 5.0], [0.0, 1.0])[1] == x2.grad


def test_symbolic_derivative_swells_while_the_graph_grows_linearly():
    rows = expression_swell(5)
    ops_f, ops_df = [r[1] for r in rows], [r[2] for r in rows]
    assert ops_df[-1] > 5 * ops_f[-1]
    sizes = []
    for n in range(1, 6):
        x = Value(0.3)
        l = x
        for _ in range(n - 1):
            l = 4 * l * (1 - l)
        sizes.append(len(topo_order(l)))
    assert np.all(np.diff(np.diff(sizes)) == 0)          # число вершин растёт линейно по n


def test_pass_states_end_with_the_gradients_of_backward():
    from snippets.autodiff import pass_states
    x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    y = x1.log() + x1 * x2 - x2.sin()
    states = pass_states(y)
    assert len(states) == 2 * len(topo_order(y)) - 1        # вершины вперёд, затравка, операции назад
    y.backward()
    last = states[-1][2]
    assert np.isclose(last[id(x1)], x1.grad) and np.isclose(last[id(x2)], x2.grad)
    assert states[len(topo_order(y)) - 1][2] == {}           # после прямого прохода градиентов нет


def test_pass_figure_frames_equal_direct_calls():
    from snippets._plotting import frame_traces, same_traces
    from snippets.autodiff import pass_figure, pass_traces
    x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    y = x1.log() + x1 * x2 - x2.sin()
    fig = pass_figure(y, "t", active=3)
    for i in (0, 7, 12):
        assert same_traces(frame_traces(fig, i), pass_traces(y, i))
    assert len(fig.to_json()) < 100_000


def test_fd_errors_central_beats_forward_and_float32_is_worse():
    from snippets.autodiff import fd_errors, fd_figure
    fwd64, cen64 = fd_errors([1e-3, 1e-5])
    assert all(c < f for c, f in zip(cen64, fwd64))
    fwd32, _ = fd_errors([1e-5], np.float32)
    assert fwd32[0] > 100 * fwd64[1]                         # в float32 округление съедает точность
    fig = fd_figure()
    assert len(fig.data) == 4 and len(fig.to_json()) < 60_000
