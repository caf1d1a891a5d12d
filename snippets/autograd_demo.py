"""Как устроен autograd PyTorch: маленькие опыты, каждый показан на странице билета 3."""

from __future__ import annotations

import textwrap

import torch
from torch import Tensor


# --8<-- [start:graph]
def graph_lines(t: Tensor) -> list[str]:
    """Граф, записанный при прямом проходе: обход от ``t.grad_fn`` по ``next_functions``.

    ``AccumulateGrad`` — узел листа: он складывает пришедший градиент в ``.grad``.

    >>> w = torch.ones(2, requires_grad=True)
    >>> graph_lines((w * 3).sum())
    ['SumBackward0', '  MulBackward0', '    AccumulateGrad (лист, форма (2,))']
    """
    lines: list[str] = []

    def walk(fn, depth: int) -> None:
        if fn is None:                        # вход без requires_grad: ребра нет
            return
        name = type(fn).__name__
        if name == "AccumulateGrad":
            name += f" (лист, форма {tuple(fn.variable.shape)})"
        lines.append("  " * depth + name)
        for nxt, _ in fn.next_functions:
            walk(nxt, depth + 1)

    walk(t.grad_fn, 0)
    return lines


def branchy(x: Tensor) -> Tensor:
    """Define-by-run: граф зависит от данных — ветка выбирается обычным ``if`` Python."""
    return x.sin().sum() if x.sum() > 0 else (x ** 2).sum()
# --8<-- [end:graph]


# --8<-- [start:version]
def saved_tensor_version_error() -> str:
    """Сохранённый для backward тензор изменён на месте: autograd видит это по счётчику версий."""
    x = torch.ones(3, requires_grad=True)
    y = x.sigmoid()                  # SigmoidBackward0 сохраняет выход y: σ' = y(1 − y)
    before = y._version
    y.mul_(2)                        # in-place: версия y растёт, сохранённое значение испорчено
    try:
        y.sum().backward()
    except RuntimeError as e:
        msg = textwrap.fill(str(e).split(". Hint")[0], 80)
        return f"версия y: {before} -> {y._version}\nRuntimeError: {msg}"
    return "ошибки нет"
# --8<-- [end:version]


# --8<-- [start:accumulate]
def grad_accumulation() -> list[float]:
    """``.grad`` листа накапливается (+=) между вызовами backward; обнуляем сами (zero_grad).

    >>> grad_accumulation()   # d(3w)/dw = 3: после 1-го, после 2-го, после обнуления и 3-го
    [3.0, 6.0, 3.0]
    """
    w = torch.tensor(1.0, requires_grad=True)
    history = []
    for zero_before in (False, False, True):
        if zero_before:
            w.grad = None                # так делает optimizer.zero_grad() по умолчанию
        (3 * w).backward()
        history.append(w.grad.item())
    return history
# --8<-- [end:accumulate]


# --8<-- [start:retain]
def backward_twice(retain_graph: bool) -> str:
    """Второй backward по тому же графу: без ``retain_graph`` сохранённые тензоры освобождены."""
    x = torch.tensor(2.0, requires_grad=True)
    y = x.exp()
    y.backward(retain_graph=retain_graph)
    try:
        y.backward()
    except RuntimeError as e:
        return "RuntimeError: " + str(e).split(" (")[0]
    return f"оба прохода прошли, x.grad = {x.grad.item():.4f} (= 2·e²)"
# --8<-- [end:retain]


# --8<-- [start:modes]
def grad_modes() -> dict[str, object]:
    """Что записывается в граф под ``no_grad`` и ``inference_mode``, что делает ``detach``."""
    w = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        a = w * 2                           # граф не пишется
    with torch.inference_mode():
        b = w * 2                           # и ещё не ведутся версии: тензор «inference»
    d = w.detach()                          # та же память, но вне графа
    try:
        (w * b).sum().backward()            # mul сохраняет b для backward — запрещено
        err = "ошибки нет"
    except RuntimeError as e:
        err = "RuntimeError: " + str(e).split(". ")[0]
    return {"no_grad: a.requires_grad": a.requires_grad, "a.grad_fn": a.grad_fn,
            "inference_mode: b.is_inference()": b.is_inference(),
            "detach: та же память": d.data_ptr() == w.data_ptr(),
            "detach: d.requires_grad": d.requires_grad, "b в графе": err}


def stop_gradient(x: float) -> tuple[float, float]:
    """d/dx [x · x] = 2x, а d/dx [x · detach(x)] = x: второй множитель — константа.

    >>> stop_gradient(3.0)
    (6.0, 3.0)
    """
    out = []
    for stop in (False, True):
        t = torch.tensor(x, requires_grad=True)
        (t * (t.detach() if stop else t)).backward()
        out.append(t.grad.item())
    return out[0], out[1]
# --8<-- [end:modes]


# --8<-- [start:hooks]
def hooks_demo() -> dict[str, list[float]]:
    """Хук тензора видит (и может заменить) его градиент; ``retain_grad`` хранит его в ``.grad``."""
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 10                                  # промежуточный тензор (не лист)
    h.retain_grad()                             # иначе h.grad после backward — None
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))                # только смотрим
    x.register_hook(lambda g: g.clamp(-5.0, 5.0))                     # заменяем: отсечение
    (h ** 2).sum().backward()                   # ∂/∂h = 2h, ∂/∂x = 20h
    return {"градиент в хуке h": seen[0], "h.grad": h.grad.tolist(), "x.grad": x.grad.tolist()}
# --8<-- [end:hooks]


# --8<-- [start:function]
class Exp(torch.autograd.Function):
    """Своя операция: y = eˣ, в backward — VJP g·y по сохранённому выходу."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        y = x.exp()
        ctx.save_for_backward(y)            # сохраняем то, что нужно обратному проходу
        return y

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return grad_out * y                 # по одному градиенту на каждый вход forward


class RoundSTE(torch.autograd.Function):
    """Округление с «прямым» градиентом (straight-through estimator, Bengio et al., 2013)."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        return x.round()                    # истинная производная почти всюду 0

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tensor:
        return grad_out                     # делаем вид, что это тождественная функция
# --8<-- [end:function]


# --8<-- [start:higher]
def second_derivative(x: float) -> tuple[float, float]:
    """f = x³: f' = 3x², f'' = 6x через ``create_graph=True`` (граф самого градиента).

    >>> second_derivative(2.0)
    (12.0, 12.0)
    """
    t = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(t ** 3, t, create_graph=True)   # g = 3t² — тоже узел графа
    (h,) = torch.autograd.grad(g, t)
    return g.item(), h.item()


def hvp(f, x: Tensor, v: Tensor) -> Tensor:
    """Произведение гессиана на вектор H·v = ∇(∇f · v) без построения H (Pearlmutter, 1994)."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, x)
    return hv
# --8<-- [end:higher]


# --8<-- [start:func]
def per_sample_grads(w: Tensor, X: Tensor, y: Tensor) -> Tensor:
    """Градиент потери по w для каждого примера отдельно: vmap(grad(·)) из ``torch.func``."""
    def loss(w: Tensor, x: Tensor, t: Tensor) -> Tensor:
        return (x @ w - t) ** 2
    return torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))(w, X, y)
# --8<-- [end:func]


# --8<-- [start:forward-ad]
def forward_mode_jvp(x1: float, x2: float, v: tuple[float, float]) -> float:
    """Прямой режим в PyTorch (``torch.autograd.forward_ad``): дуальный тензор несёт касательную.

    >>> forward_mode_jvp(2.0, 5.0, (1.0, 0.0))      # ∂/∂x1 (ln x1 + x1·x2 − sin x2) = 1/x1 + x2
    5.5
    """
    import torch.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(torch.tensor([x1, x2], dtype=torch.float64),
                           torch.tensor(v, dtype=torch.float64))
        y = x[0].log() + x[0] * x[1] - x[1].sin()
        return fwAD.unpack_dual(y).tangent.item()
# --8<-- [end:forward-ad]


# --8<-- [start:pitfalls]
def kink_derivatives() -> dict[str, float]:
    """Производные в точках излома: PyTorch берёт конкретный элемент субдифференциала."""
    out = {}
    for name, fn in [("relu'(0)", torch.relu), ("|x|'(0)", torch.abs),
                     ("max(x, 0)' при x = 0", lambda t: torch.maximum(t, torch.zeros(())))]:
        x = torch.tensor(0.0, requires_grad=True)
        fn(x).backward()
        out[name] = x.grad.item()
    return out


def branch_on_value(x: float) -> tuple[float, float]:
    """f(x) = (1 − cos x)/x с особым случаем f(0) = 0: функция гладкая, f'(0) = 1/2,
    но AD дифференцирует выполненную ветку ``return 0·x`` и даёт 0.

    >>> branch_on_value(0.0)[0], round(branch_on_value(1e-4)[0], 6)
    (0.0, 0.5)
    """
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f = 0.0 * t if x == 0 else (1 - t.cos()) / t
    f.backward()
    return t.grad.item(), f.item()


def nan_through_where() -> dict[str, list[float]]:
    """``where`` не спасает от NaN: в невыбранной ветке 0 · ∞ = NaN. Лечение — «двойной where»."""
    out = {}
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    torch.where(x > 0, x.sqrt(), 0.0).sum().backward()          # √x посчитан и при x = 0
    out["where(x > 0, √x, 0)"] = x.grad.tolist()
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    safe = torch.where(x > 0, x, 1.0)                             # в √ не попадает 0
    torch.where(x > 0, safe.sqrt(), 0.0).sum().backward()
    out["двойной where"] = x.grad.tolist()
    x = torch.tensor([0.0, 3.0], requires_grad=True)
    (x ** 2).sqrt().sum().backward()                              # |x| через √(x²): 0 · ∞ в нуле
    out["√(x²)"] = x.grad.tolist()
    return out


def tracing_loses_branches() -> str:
    """Трассировка записывает операции, а не управление: ``torch.fx`` не может трассировать
    ``if`` по значению тензора (``jit.trace`` запомнил бы одну ветку, выдав лишь
    ``TracerWarning``)."""
    def f(x: Tensor) -> Tensor:
        return x.sin() if x.sum() > 0 else x.cos()
    import torch.fx
    from torch.fx.proxy import TraceError
    try:
        torch.fx.symbolic_trace(f)
    except TraceError as e:
        return f"{type(e).__name__}: {e}"
    return "трассировка прошла"
# --8<-- [end:pitfalls]


__all__ = ["graph_lines", "branchy", "saved_tensor_version_error", "grad_accumulation",
           "backward_twice", "grad_modes", "stop_gradient", "hooks_demo", "Exp", "RoundSTE",
           "second_derivative", "hvp", "per_sample_grads", "forward_mode_jvp", "kink_derivatives",
           "branch_on_value", "nan_through_where", "tracing_loses_branches"]
