"""Аудио-аугментации: шум с заданным SNR, изменение скорости (speed perturbation), растяжение
во времени (фазовый вокодер), сдвиг высоты тона, реверберация с синтетической импульсной
характеристикой комнаты (RIR), смешивание с другим сигналом и SpecAugment на лог-мел."""

from __future__ import annotations

import base64
import hashlib
import io
import wave
from fractions import Fraction

import numpy as np
import plotly.graph_objects as go
from scipy.signal import fftconvolve, resample_poly

from snippets._plotting import new_figure
from snippets.audio import SR, VOWELS, hann, mel_filterbank, stft, synthetic_speech, vowel

Array = np.ndarray


# --8<-- [start:noise]
def add_noise(x: Array, snr_db: float, rng: np.random.Generator, noise: Array | None = None) -> Array:
    """x + g·n, где g подобран так, что 10·log10(P_x / P_{g·n}) = snr_db, P — средняя мощность.
    n — белый шум или данный сигнал (фон, другой диктор: «смешивание»).

    >>> x = np.ones(1000); y = add_noise(x, 20.0, np.random.default_rng(0))
    >>> float(10 * np.log10(np.mean(x ** 2) / np.mean((y - x) ** 2)).round(6))
    20.0
    """
    n = rng.normal(size=x.size) if noise is None else np.resize(noise, x.size)
    gain = np.sqrt(np.mean(x ** 2) / (np.mean(n ** 2) * 10 ** (snr_db / 10)))
    return x + gain * n
# --8<-- [end:noise]


# --8<-- [start:speed]
def speed_perturb(x: Array, factor: float) -> Array:
    """Изменение скорости в factor раз (Ko et al., 2015): сигнал передискретизируется, как
    плёнка, пущенная быстрее, — длина делится на factor, все частоты умножаются на factor.

    >>> speed_perturb(np.zeros(16000), 1.1).size, speed_perturb(np.zeros(16000), 0.9).size
    (14546, 17778)
    """
    frac = Fraction(factor).limit_denominator(100)
    return resample_poly(x, frac.denominator, frac.numerator)


def istft(X: Array, n_fft: int, hop: int, length: int | None = None) -> Array:
    """Обратное STFT сложением с перекрытием: x = Σ_t w·irfft(X_t) / Σ_t w² (окно Ханна).

    >>> x = np.random.default_rng(0).normal(size=1000)
    >>> bool(np.allclose(istft(stft(x, 256, 64), 256, 64, length=1000), x))
    True
    """
    frames = np.fft.irfft(X.T, n=n_fft, axis=1) * hann(n_fft)
    n = n_fft + hop * (X.shape[1] - 1)
    y, norm = np.zeros(n), np.zeros(n)
    for t, frame in enumerate(frames):
        y[t * hop:t * hop + n_fft] += frame
        norm[t * hop:t * hop + n_fft] += hann(n_fft) ** 2
    y = (y / np.maximum(norm, 1e-8))[n_fft // 2:]
    return y[:length] if length else y[:n - n_fft]


def time_stretch(x: Array, rate: float, n_fft: int = 512, hop: int = 128) -> Array:
    """Фазовый вокодер: темп × rate, высота тона та же. Кадры STFT берутся в дробных
    позициях t·rate (модули интерполируются), фаза накапливается с «истинной» частотой бина:
    φ ← φ + ω_k·hop + princarg(Δφ − ω_k·hop), ω_k = 2πk/n_fft.

    >>> time_stretch(np.zeros(16000), 1.25).size     # в 1,25 раза быстрее
    12800
    """
    X = stft(x, n_fft, hop)
    omega = 2 * np.pi * hop * np.arange(X.shape[0]) / n_fft
    phase, out = np.angle(X[:, 0]), []
    for pos in np.arange(0, X.shape[1] - 1, rate):
        i, frac = int(pos), pos - int(pos)
        out.append(((1 - frac) * np.abs(X[:, i]) + frac * np.abs(X[:, i + 1])) * np.exp(1j * phase))
        dphi = np.angle(X[:, i + 1]) - np.angle(X[:, i]) - omega
        phase = phase + omega + dphi - 2 * np.pi * np.round(dphi / (2 * np.pi))
    return istft(np.stack(out, axis=1), n_fft, hop, length=int(round(x.size / rate)))


def pitch_shift(x: Array, semitones: float) -> Array:
    """Сдвиг высоты тона на semitones полутонов при той же длительности: растянуть во времени
    в r = 2^(s/12) раз, затем ускорить в r раз передискретизацией.

    >>> pitch_shift(np.zeros(16000), 3).size
    16000
    """
    r = 2 ** (semitones / 12)
    return np.resize(speed_perturb(time_stretch(x, 1 / r), r), x.size)
# --8<-- [end:speed]


# --8<-- [start:reverb]
def synthetic_rir(rt60: float, rng: np.random.Generator, sr: int = SR) -> Array:
    """Синтетическая импульсная характеристика комнаты: прямой звук (1 в нуле) и диффузный
    хвост — гауссов шум с огибающей e^{−a·t}, a = 3·ln 10 / RT60 (энергия падает на 60 дБ за
    RT60), энергия хвоста равна энергии прямого звука. Отражения начинаются через 2 мс.

    >>> h = synthetic_rir(0.3, np.random.default_rng(0)); h.size, float(h[0]), round(float(np.sum(h[1:] ** 2)), 6)
    (4800, 1.0, 1.0)
    """
    t = np.arange(int(rt60 * sr)) / sr
    tail = rng.normal(size=t.size) * np.exp(-3 * np.log(10) * t / rt60) * (t > 0.002)
    h = tail / np.linalg.norm(tail)
    h[0] = 1.0
    return h


def reverberate(x: Array, rir: Array) -> Array:
    """Реверберация — свёртка с RIR: y = x * h, обрезанная до длины x, с той же мощностью."""
    y = fftconvolve(x, rir)[:x.size]
    return y * np.sqrt(np.mean(x ** 2) / np.mean(y ** 2))
# --8<-- [end:reverb]


# --8<-- [start:specaugment]
def time_warp(S: Array, W: int, rng: np.random.Generator) -> Array:
    """Деформация времени SpecAugment: точка w0 ∈ [W, τ − W) сдвигается в w0 + w, w ∈ [−W, W];
    обе половины оси времени растягиваются линейно, края на месте."""
    tau = S.shape[1]
    w0, w = int(rng.integers(W, tau - W)), int(rng.integers(-W, W + 1))
    src = np.interp(np.arange(tau), [0, w0 + w, tau - 1], [0, w0, tau - 1])   # откуда брать кадр
    return np.stack([np.interp(src, np.arange(tau), row) for row in S])


def spec_augment(S: Array, rng: np.random.Generator, F: int = 27, m_F: int = 2, T: int = 40,
                 m_T: int = 2, p: float = 1.0, W: int = 5) -> Array:
    """SpecAugment (Park et al., 2019) на спектрограмме (ν частот, τ кадров): деформация
    времени, затем m_F частотных масок ширины f ~ U{0…F} с f0 ~ U{0…ν − f} и m_T временных
    ширины t ~ U{0…min(T, p·τ)}; маска заполняется средним (нулём после нормализации).

    >>> X = np.random.default_rng(1).normal(size=(80, 100))
    >>> masked = spec_augment(X, np.random.default_rng(0), W=0) == X.mean()
    >>> int(masked.all(axis=1).sum()), int(masked.all(axis=0).sum())   # закрыто полос, кадров
    (37, 14)
    """
    S = time_warp(S, W, rng) if W else S.copy()
    fill = S.mean()
    nu, tau = S.shape
    for _ in range(m_F):
        f = int(rng.integers(0, F + 1))
        f0 = int(rng.integers(0, nu - f + 1))
        S[f0:f0 + f, :] = fill
    for _ in range(m_T):
        t = int(rng.integers(0, min(T, int(p * tau)) + 1))
        t0 = int(rng.integers(0, tau - t + 1))
        S[:, t0:t0 + t] = fill
    return S
# --8<-- [end:specaugment]


def augmentations(x: Array, seed: int = 0) -> dict[str, Array]:
    """Набор аугментаций одной фразы для страницы: название → сигнал той же длины (1 с)."""
    rng = np.random.default_rng(seed)
    other = np.resize(vowel(0.6, (230, 200), VOWELS["а"]), x.size) * (np.arange(x.size) > 0.3 * SR)
    fit = lambda y: np.pad(y, (0, max(0, x.size - y.size)))[:x.size]   # noqa: E731
    return {"белый шум, SNR 10 дБ": add_noise(x, 10, rng),
            "скорость ×1,1": fit(speed_perturb(x, 1.1)),
            "темп ×1,25 (тон тот же)": fit(time_stretch(x, 1.25)),
            "тон +4 полутона": pitch_shift(x, 4),
            "реверберация, RT60 = 0,5 с": reverberate(x, synthetic_rir(0.5, rng)),
            "смешивание с другим голосом, SNR 5 дБ": add_noise(x, 5, rng, noise=other)}


def wav_bytes(x: Array, sr: int = SR) -> bytes:
    """Сигнал → WAV (16 бит, моно); пик нормируется на 0,9.

    >>> b = wav_bytes(np.sin(np.arange(160))); b[:4], b[8:12], len(b)    # заголовок 44 байта
    (b'RIFF', b'WAVE', 364)
    """
    pcm = (np.clip(0.9 * x / np.abs(x).max(), -1, 1) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(sr), w.writeframes(pcm.tobytes())
    return buf.getvalue()


def wav_data_uri(x: Array, sr: int = SR) -> str:
    """WAV, встроенный в страницу как data URI (≈ 43 КБ base64 на секунду 16 кГц)."""
    return "data:audio/wav;base64," + base64.b64encode(wav_bytes(x, sr)).decode()


def wav_filename(x: Array, sr: int = SR, prefix: str = "t10") -> str:
    """Имя файла по содержимому: одинаковый звук — одинаковое имя, сборки детерминированы."""
    return f"{prefix}-{hashlib.sha1(wav_bytes(x, sr)).hexdigest()[:12]}.wav"


def page_clips(seed: int = 0) -> dict[str, Array]:
    """Записи таблицы на странице билета 10: исходная фраза и её аугментации."""
    x = synthetic_speech(seed=seed)
    return {"исходная фраза «а-с-и»": x, **augmentations(x, seed)}


def audio_files(seed: int = 0, sr: int = SR) -> dict[str, bytes]:
    """Файлы для сайта: имя → байты WAV. Их может положить в сборку хук (assets/audio/),
    тогда страница ссылается на файлы, а не встраивает звук: ``audio_table(..., base=...)``."""
    return {wav_filename(y, sr): wav_bytes(y, sr) for y in page_clips(seed).values()}


def audio_table(clips: dict[str, Array], sr: int = SR, base: str | None = None) -> str:
    """HTML-таблица проигрывателей: название — <audio controls preload="none">. base=None —
    звук встроен как data URI; иначе src = base/<имя файла из wav_filename>, и браузер грузит
    файл только при нажатии «играть»."""
    def src(y: Array) -> str:
        return wav_data_uri(y, sr) if base is None else f"{base}/{wav_filename(y, sr)}"

    rows = "".join(f'<tr><td>{name}</td><td><audio controls preload="none" aria-label="{name}" '
                   f'src="{src(y)}"></audio></td></tr>' for name, y in clips.items())
    return f"<table><thead><tr><th>Сигнал</th><th>Послушать</th></tr></thead><tbody>{rows}</tbody></table>"


def before_after_figure(x: Array, seed: int = 0) -> go.Figure:
    """Лог-мел «до» и «после»; выпадающий список выбирает аугментацию."""
    fb = mel_filterbank(SR, 400, 80)
    power = lambda y: fb @ np.abs(stft(y, 400, 160)) ** 2   # noqa: E731
    ref = power(x).max()                 # 0 дБ — максимум исходной фразы
    db = lambda p: np.maximum(10 * np.log10(np.maximum(p, 1e-12) / ref), -80).round(0).astype(np.int8)  # noqa: E731
    after = {k: db(power(y)) for k, y in augmentations(x, seed).items()}
    sa = spec_augment(db(power(x)).astype(float), np.random.default_rng(seed), W=5)
    after["SpecAugment (2 частотные + 2 временные маски)"] = sa.round(0).astype(np.int8)
    names = list(after)
    fig = new_figure(f"до → {names[0]}", "", "")
    fig.set_subplots(1, 2, subplot_titles=["исходная фраза", "после аугментации"], shared_yaxes=True,
                     horizontal_spacing=0.04)
    t = (np.arange(101) * 0.01).round(2)
    fig.add_heatmap(z=db(power(x)), x=t, coloraxis="coloraxis", name="до", row=1, col=1)
    for i, name in enumerate(names):
        fig.add_heatmap(z=after[name], x=t, coloraxis="coloraxis", name=name, visible=i == 0, row=1, col=2)
    buttons = [dict(label=n, method="update", args=[{"visible": [True] + [j == i for j in range(len(names))]},
                                                    {"title.text": f"до → {n}"}]) for i, n in enumerate(names)]
    fig.update_layout(coloraxis=dict(colorscale="Viridis", cmin=-80, cmax=0, colorbar_title="дБ"),
                      updatemenus=[dict(buttons=buttons, x=1.0, xanchor="right", y=1.2, yanchor="top")],
                      margin=dict(t=110))
    fig.update_xaxes(title_text="время, с")
    fig.update_yaxes(title_text="мел-полоса", row=1, col=1)
    return fig

