"""Опыты с autograd PyTorch: проверяем то, что они утверждают на странице."""

import torch

from snippets.autograd_demo import (
    Exp,
    RoundSTE,
    backward_twice,
    branchy,
    grad_accumulation,
    grad_modes,
    graph_lines,
    hooks_demo,
    hvp,
    per_sample_grads,
    saved_tensor_version_error,
    second_derivative,
    stop_gradient,
)


def test_graph_lines_follow_next_functions_to_leaves():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert graph_lines(branchy(x)) == ["SumBackward0", "  SinBackward0",
                                       "    AccumulateGrad (лист, форма (2,))"]
    assert "PowBackward0" in "".join(graph_lines(branchy(-x)))   # другая ветка — другой граф
    b = torch.ones(2)                                             # без requires_grad: ребра нет
    assert graph_lines((x * b).sum()) == ["SumBackward0", "  MulBackward0",
                                          "    AccumulateGrad (лист, форма (2,))"]


def test_inplace_on_saved_tensor_is_caught_by_version_counter():
    msg = saved_tensor_version_error()
    assert msg.startswith("версия y: 0 -> 1")
    assert "modified by an inplace operation" in msg.replace("\n", " ")


def test_grad_accumulates_until_reset():
    assert grad_accumulation() == [3.0, 6.0, 3.0]


def test_second_backward_needs_retain_graph():
    assert "second time" in backward_twice(retain_graph=False)
    assert backward_twice(retain_graph=True).startswith("оба прохода прошли")
    x = torch.tensor(2.0, requires_grad=True)
    assert f"{2 * x.exp().item():.4f}" in backward_twice(retain_graph=True)


def test_no_grad_inference_mode_and_detach():
    m = grad_modes()
    assert m["no_grad: a.requires_grad"] is False and m["a.grad_fn"] is None
    assert m["inference_mode: b.is_inference()"] is True
    assert m["detach: та же память"] is True and m["detach: d.requires_grad"] is False
    assert "Inference tensors cannot be saved for backward" in m["b в графе"]
    assert stop_gradient(-1.5) == (-3.0, -1.5)


def test_hooks_observe_and_replace_gradients():
    h = hooks_demo()
    assert h["градиент в хуке h"] == h["h.grad"] == [20.0, -40.0, 60.0]   # 2h, h = 10x
    assert h["x.grad"] == [5.0, -5.0, 5.0]                                  # 20h, отсечено до ±5


def test_custom_exp_passes_gradcheck_and_matches_builtin():
    x = torch.randn(5, dtype=torch.float64, generator=torch.Generator().manual_seed(0),
                    requires_grad=True)
    assert torch.autograd.gradcheck(Exp.apply, (x,))
    Exp.apply(x).sum().backward()
    torch.testing.assert_close(x.grad, x.detach().exp())


def test_straight_through_estimator_passes_gradient_unchanged():
    x = torch.tensor([0.2, 1.7, -2.4], requires_grad=True)
    y = RoundSTE.apply(x)
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    torch.testing.assert_close(y.detach(), torch.tensor([0.0, 2.0, -2.0]))
    torch.testing.assert_close(x.grad, torch.tensor([1.0, 2.0, 3.0]))


def test_second_derivative_and_hvp_match_torch_func_hessian():
    assert second_derivative(-1.5) == (6.75, -9.0)
    g = torch.Generator().manual_seed(1)
    A = torch.randn(4, 4, dtype=torch.float64, generator=g)
    x, v = (torch.randn(4, dtype=torch.float64, generator=g) for _ in range(2))

    def f(x):
        return (x @ A @ x).tanh() + (x ** 3).sum()
    torch.testing.assert_close(hvp(f, x, v), torch.func.hessian(f)(x) @ v)


def test_per_sample_grads_match_a_python_loop():
    g = torch.Generator().manual_seed(2)
    w, X = torch.randn(3, generator=g), torch.randn(6, 3, generator=g)
    y = torch.randn(6, generator=g)
    ours = per_sample_grads(w, X, y)
    for i in range(6):
        wi = w.clone().requires_grad_(True)
        ((X[i] @ wi - y[i]) ** 2).backward()
        torch.testing.assert_close(ours[i], wi.grad)


def test_forward_mode_matches_reverse_mode():
    from snippets.autograd_demo import forward_mode_jvp
    x = torch.tensor([2.0, 5.0], dtype=torch.float64, requires_grad=True)
    (x[0].log() + x[0] * x[1] - x[1].sin()).backward()
    assert abs(forward_mode_jvp(2.0, 5.0, (0.0, 1.0)) - x.grad[1].item()) < 1e-12


def test_pitfalls_show_what_the_page_says():
    from snippets.autograd_demo import (
        branch_on_value,
        kink_derivatives,
        nan_through_where,
        tracing_loses_branches,
    )
    assert kink_derivatives() == {"relu'(0)": 0.0, "|x|'(0)": 0.0, "max(x, 0)' при x = 0": 0.5}
    assert branch_on_value(0.0)[0] == 0.0 and abs(branch_on_value(1e-4)[0] - 0.5) < 1e-4
    res = nan_through_where()
    assert torch.isnan(torch.tensor(res["where(x > 0, √x, 0)"][0]))
    assert res["двойной where"] == [0.0, 0.25]
    assert torch.isnan(torch.tensor(res["√(x²)"][0]))
    assert tracing_loses_branches().startswith("TraceError")
