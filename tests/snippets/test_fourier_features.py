"""Признаки Фурье и спектральное смещение: формула отображения, опыт на 1-D сигнале."""

import math

import numpy as np
import torch

from snippets._plotting import trace_types
from snippets.fourier_features import (
    FREQS,
    FourierFeatures,
    fit,
    fit_figure,
    make_model,
    spectral_bias_figure,
    target_signal,
)
from snippets.nerf import positional_encoding


def test_fourier_features_kernel_is_shift_invariant():
    g = torch.Generator().manual_seed(0)
    B = torch.randn(2, 16, generator=g, dtype=torch.float64) * 3     # гауссовы частоты Tancik et al.
    ff = FourierFeatures(B)
    x, x2 = torch.rand(5, 2, generator=g, dtype=torch.float64), torch.rand(5, 2, generator=g,
                                                                              dtype=torch.float64)
    shift = torch.tensor([0.3, -0.7], dtype=torch.float64)
    k = (ff(x) * ff(x2)).sum(-1)
    torch.testing.assert_close(k, (ff(x + shift) * ff(x2 + shift)).sum(-1))
    torch.testing.assert_close(k, torch.cos(2 * math.pi * (x - x2) @ B).sum(-1))


def test_positional_encoding_is_fourier_features_with_powers_of_two():
    # γ_NeRF(p) с частотами 2^k π = признаки Фурье 2π·x·B с B = 2^k / 2 (с точностью до порядка)
    L = 5
    p = np.linspace(-1, 1, 7)[:, None]
    ff = FourierFeatures(torch.tensor(2.0 ** np.arange(L) / 2)[None, :])
    ours = ff(torch.tensor(p)).numpy()                    # [sin…, cos…]
    nerf = positional_encoding(p, L)                      # [sin, cos] по каждой частоте
    np.testing.assert_allclose(ours, np.concatenate([nerf[:, 0::2], nerf[:, 1::2]], 1),
                               atol=1e-12)


def test_target_signal_spectrum():
    x = np.arange(256) / 256
    amp = np.abs(np.fft.rfft(target_signal(x))) / 128
    np.testing.assert_allclose(amp[list(FREQS)], 1.0, atol=1e-9)
    assert np.all(np.delete(amp, list(FREQS)) < 1e-9)


def test_models_are_deterministic():
    x = torch.linspace(0, 1, 5)[:, None]
    for kind in ("relu", "ff", "siren"):
        torch.testing.assert_close(make_model(kind, seed=3)(x), make_model(kind, seed=3)(x))


def test_fourier_features_beat_plain_mlp():
    relu, ff, siren = fit("relu"), fit("ff"), fit("siren")
    assert ff["mse"][-1] < 1e-3 and siren["mse"][-1] < 1e-2
    assert relu["mse"][-1] > 100 * ff["mse"][-1]
    assert relu["mse"][-1] > 0.1                          # сырой x: высокие частоты не выучены


def test_plain_mlp_learns_low_frequencies_first():
    err = fit("relu")["freq_err"]                         # (шаги, частоты)
    final = err[-1]
    assert np.all(np.diff(final) > 0)                     # чем выше частота, тем больше ошибка
    assert final[0] < 0.05 and final[-1] > 0.5
    # шаг, на котором ошибка впервые < 0,5: у низких частот раньше
    first = [int(np.argmax(err[:, j] < 0.5)) if np.any(err[:, j] < 0.5) else len(err)
             for j in range(len(FREQS))]
    assert first == sorted(first) and first[0] < first[2]


def test_figures():
    assert trace_types(fit_figure()) == {"scatter"}
    assert len(spectral_bias_figure().data) == len(FREQS)


def test_number_of_frequencies_underfit_then_overfit():
    from snippets.fourier_features import PE_LEVELS, fit_n_freqs
    r = {L: fit_n_freqs(L) for L in PE_LEVELS}
    test = np.array([r[L]["test_mse"] for L in PE_LEVELS])
    best = PE_LEVELS[int(np.argmin(test))]
    assert 2 <= best <= 6                                  # U-образная кривая: оптимум посередине
    assert r[0]["test_mse"] > 10 * r[best]["test_mse"]     # без кодирования — размыто
    assert r[10]["test_mse"] > 10 * r[best]["test_mse"]    # слишком много частот — шум между точками
    assert r[10]["train_mse"] < 1e-6 < r[0]["train_mse"]   # при этом обучающие точки подогнаны


def test_n_freqs_figure_frames_match_function():
    from snippets._plotting import frame_traces, same_traces
    from snippets.fourier_features import PE_LEVELS, n_freqs_figure, n_freqs_traces
    fig = n_freqs_figure()
    for i in (0, 2, 5):
        assert same_traces(frame_traces(fig, i), n_freqs_traces(PE_LEVELS[i]))
