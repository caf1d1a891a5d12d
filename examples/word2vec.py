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
# # Word2Vec своими руками: гиперпараметры и сравнение с PPMI + SVD
#
# Skip-gram с отрицательными примерами (SGNS) из `snippets/word2vec.py` — NumPy, градиенты
# выписаны вручную — на игрушечном русском корпусе. Смотрим, как качество векторов зависит от
# числа отрицательных примеров $k$, окна, прореживания и размерности, и сравниваем со счётным
# методом PPMI + SVD. Теория — в [билете 7](../../tickets/07-word-embeddings/). Запуск у себя:
# `python examples/word2vec.py` или откройте файл в Jupyter через jupytext.
#
# Качество меряем долей соседей «того же класса»: для каждого содержательного слова берём 3
# ближайших по косинусу и считаем, сколько из них из его смыслового класса (напитки, животные,
# города…). Это грубая, но честная метрика для корпуса, где классы известны заранее.

# %%

import numpy as np
from IPython.display import HTML, display

from snippets._plotting import new_figure, show
from snippets.word2vec import (
    CLASSES,
    build_vocab,
    cooccurrence,
    nearest,
    neighbour_purity,
    ppmi,
    svd_embeddings,
    toy_corpus,
    train_sgns,
    word_class,
)

sentences = toy_corpus(n_sentences=3000, seed=0)
words, counts = build_vocab(sentences)
print(f"предложений {len(sentences)}, словоупотреблений {counts.sum()}, словарь {len(words)}")

# %% [markdown]
# ## Базовая модель
# $d = 16$, окно 2, $k = 5$ отрицательных примеров, порог прореживания $t = 10^{-2}$, 5 эпох.

# %%
words, V, U, history = train_sgns(sentences, seed=0)
print(f"потеря по эпохам {np.round(history, 3)}")
print(f"доля соседей того же класса: {neighbour_purity(V, words):.2f}")
for w in ["мама", "суп", "волк", "берлин"]:
    print(f"{w:7s} →", ", ".join(f"{v} {s:.2f}" for v, s in nearest(V, words, w, 4)))

# %% [markdown]
# ## Косинусная близость всех пар слов
# Слова упорядочены по классам. Блоки на диагонали — классы, которые модель выучила без
# какой-либо разметки, только из контекстов.

# %%
order = sorted(range(len(words)), key=lambda i: ([*CLASSES, "прочие"].index(word_class(words[i])),
                                                 words[i]))
Vn = V / np.linalg.norm(V, axis=1, keepdims=True)
S = (Vn @ Vn.T)[np.ix_(order, order)]
labels = [words[i] for i in order]
fig = new_figure("Косинусная близость векторов SGNS", "", "", width=700, height=680)
fig.add_heatmap(z=S.round(2), x=labels, y=labels, colorscale="RdBu", zmid=0, zmin=-1, zmax=1,
                colorbar=dict(title="cos"))
fig.update_yaxes(autorange="reversed", tickfont_size=9)
fig.update_xaxes(tickfont_size=9)
display(HTML(show(fig, "practice-w2v-cosine")))

# %% [markdown]
# ## Число отрицательных примеров и окно
# Каждая клетка — отдельное обучение. Больше $k$ — дороже шаг ($k + 1$ скалярных произведений на пару), но точнее
# приближение; шире окно — больше пар и больше «тематической», а не «синтаксической» близости.

# %%
rows = []
for k in (1, 5, 15):
    for window in (1, 2, 4):
        w_, V_, _, h = train_sgns(sentences, k=k, window=window, seed=0)
        rows.append((k, window, neighbour_purity(V_, w_), h[-1]))
print(" k  окно  соседи того же класса  потеря")
for k, window, purity, loss in rows:
    print(f"{k:2d}  {window:4d}  {purity:21.2f}  {loss:6.3f}")

# %% [markdown]
# Потеря растёт с $k$: в ней больше слагаемых, поэтому потери при разных $k$ между собой не
# сравнивают — сравнивают качество векторов (третий столбец) и стоимость шага. Mikolov et al. (2013b)
# советуют $k = 5$–$20$ для небольших корпусов и $2$–$5$ для больших.
#
# ## Прореживание частых слов
# $t = 1$ — прореживания нет; чем меньше $t$, тем чаще выбрасываются «в», «и», «пьёт».

# %%
from snippets.word2vec import keep_probability

print(f"доля самого редкого слова в корпусе: {counts.min() / counts.sum():.4f}")
for t in (1.0, 1e-2, 1e-3):
    kept = (counts * keep_probability(counts, t)).sum() / counts.sum()
    w_, V_, _, h = train_sgns(sentences, t=t, seed=0)
    print(f"t = {t:g}: остаётся {kept:.0%} словоупотреблений, "
          f"соседи того же класса {neighbour_purity(V_, w_):.2f}")

# %% [markdown]
# В маленьком корпусе каждое слово «частое»: даже самое редкое занимает заметную долю текста.
# Порог $t = 10^{-5}$ из статьи рассчитан на корпуса в миллиарды слов; здесь уже $t = 10^{-3}$
# выбрасывает большую часть текста, и за 5 эпох модели не хватает пар. Порог подбирают
# относительно частот корпуса.

# %% [markdown]
# ## Размерность: SGNS против PPMI + SVD
# Одинаковое число измерений $d$ для обоих методов. Чем меньше $d$, тем сильнее модель вынуждена
# обобщать, и тем сильнее разница в том, *что* именно каждый метод сжимает.

# %%
dims = [2, 4, 8, 16, 32]
X = cooccurrence(sentences, words, window=2)
M = ppmi(X, alpha=0.75)
sgns_scores = [neighbour_purity(train_sgns(sentences, dim=d, seed=0)[1], words) for d in dims]
svd_scores = [neighbour_purity(svd_embeddings(M, d), words) for d in dims]
fig = new_figure("Качество векторов в зависимости от размерности", "размерность d",
                 "доля соседей того же класса")
fig.add_scatter(x=dims, y=np.round(sgns_scores, 3), mode="lines+markers", name="SGNS")
fig.add_scatter(x=dims, y=np.round(svd_scores, 3), mode="lines+markers", name="PPMI + SVD")
fig.update_xaxes(type="log", tickvals=dims)
display(HTML(show(fig, "practice-w2v-dims")))
for d, a, b in zip(dims, sgns_scores, svd_scores):
    print(f"d = {d:2d}: SGNS {a:.2f}, PPMI + SVD {b:.2f}")

# %% [markdown]
# При $d = 2$ обоим методам тесно: восемь классов не разложить по плоскости. Качество SVD не
# обязано расти с $d$: следующие сингулярные направления PPMI могут описывать не классы, а
# отдельные пары слов (например, «страна — её столица»), и соседи по косинусу портятся. SGNS
# подгоняет векторы под саму задачу различения контекстов.
#
# Общий вывод совпадает с выводом Levy, Goldberg & Dagan (2015) на настоящих корпусах:
# настройки (окно, прореживание, сглаживание контекстов, число отрицательных примеров, размерность)
# влияют на качество не меньше, чем выбор между SVD, SGNS и GloVe.
