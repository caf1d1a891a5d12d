# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Перцептрон с нуля: обучение и граница решений
#
# Учим двухслойную сеть из `snippets/mlp.py` (NumPy, обратный проход написан вручную) на трёх
# спиралях и смотрим, как меняется граница решений. Теория — в
# [билете 1](../../tickets/01-backprop/). Запуск у себя: `python examples/mlp_from_scratch.py`
# или откройте файл в Jupyter через jupytext.

# %%
import numpy as np
from IPython.display import HTML, display

from snippets._plotting import new_figure, show
from snippets.mlp import MLP, accuracy, fit, gradient_check
from snippets.toy_data import spirals

X, y = spirals(n_per_class=100, n_classes=3, noise=0.2, seed=0)
print("данные:", X.shape, "классы:", np.bincount(y))

# %% [markdown]
# Перед обучением проверим обратный проход численно (центральные разности, float64). Первая
# точка спирали — ровно (0, 0), поэтому пре-активации первого слоя равны смещениям, то есть нулю:
# ReLU в изломе, где численная производная (≈ 1/2) и аналитическая (0) не совпадают. Проверку
# делают на гладкой активации или вдали от изломов:

# %%
for act, rows in [("relu", slice(0, 10)), ("relu", slice(1, 11)), ("tanh", slice(0, 10))]:
    err = gradient_check(MLP([2, 8, 3], activation=act, seed=0), X[rows], y[rows])
    print(f"{act:4s}, точки {rows.start}–{rows.stop - 1}: относительная ошибка {err:.1e}")

# %% [markdown]
# Обучаем мини-пакетным SGD. Для сравнения — линейная модель (сеть без скрытого слоя): спирали
# линейно не разделимы, и она застрянет около 50 % точности.

# %%
linear = MLP([2, 3], seed=0)
hist_lin = fit(linear, X, y, lr=0.5, epochs=150, batch_size=32)
net = MLP([2, 64, 3], activation="relu", seed=0)
hist = fit(net, X, y, lr=0.5, epochs=300, batch_size=32)
print(f"линейная модель: точность {accuracy(linear, X, y):.1%}")
print(f"MLP 2-64-3:      точность {accuracy(net, X, y):.1%}")

# %%
fig = new_figure("Кривая обучения", "эпоха", "кросс-энтропия на обучающей выборке")
fig.add_scatter(y=np.round(hist_lin, 4), name="линейная модель")
fig.add_scatter(y=np.round(hist, 4), name="MLP 2-64-3")
display(HTML(show(fig, "practice-mlp-loss")))

# %% [markdown]
# Граница решений: класс с наибольшим логитом в каждой точке плоскости.

# %%
grid = np.linspace(-1.1, 1.1, 121)
gx, gy = np.meshgrid(grid, grid)
pred = net.forward(np.c_[gx.ravel(), gy.ravel()]).argmax(axis=1).reshape(gx.shape)
fig = new_figure("Граница решений MLP на трёх спиралях", "x₁", "x₂", width=560, height=520)
fig.add_heatmap(x=grid.round(3), y=grid.round(3), z=pred, showscale=False, opacity=0.35,
                colorscale=[[0, "#1f77b4"], [0.5, "#d62728"], [1, "#2ca02c"]], hoverinfo="skip")
for k, color in enumerate(["#1f77b4", "#d62728", "#2ca02c"]):
    fig.add_scatter(x=X[y == k, 0].round(3), y=X[y == k, 1].round(3), mode="markers",
                    name=f"класс {k}", marker=dict(color=color, size=5))
fig.update_yaxes(scaleanchor="x")
display(HTML(show(fig, "practice-mlp-boundary")))
