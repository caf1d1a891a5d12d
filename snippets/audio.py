"""Звук как сигнал: синтетическая «речь», квантование, STFT, мел-шкала, мел-фильтры, лог-мел, MFCC.

Всё с нуля на NumPy; STFT совпадает с ``torch.stft`` (center=True, reflect), мел-фильтры — с
``librosa.filters.mel`` (HTK или Slaney). Форма спектрограмм — (частоты, кадры).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from scipy.fft import dct
from scipy.signal import butter, lfilter

from snippets._plotting import explorable, new_figure

Array = np.ndarray
SR = 16_000
# Форманты (частота Гц, полоса Гц) гласных мужского голоса: частоты F1–F3 — средние Peterson & Barney
# (1952); полосы в таблицах P&B нет, это типичные значения для синтеза.
VOWELS = {"а": [(730, 90), (1090, 110), (2440, 170)], "и": [(270, 60), (2290, 100), (3010, 150)]}


# --8<-- [start:signals]
def vowel(dur: float, f0: tuple[float, float], formants: list, sr: int = SR) -> Array:
    """Гласная по модели «источник — фильтр»: импульсы голосовых связок с частотой основного тона
    f0 (линейно от f0[0] до f0[1]) проходят через резонаторы-форманты
    H_k(z) = (1 − r) / (1 − 2r·cos θ·z⁻¹ + r²z⁻²), r = e^{−πB/sr}, θ = 2πF/sr.

    >>> v = vowel(0.1, (100, 100), VOWELS["а"]); v.shape, float(np.abs(v).max())
    ((1600,), 1.0)
    """
    n = int(dur * sr)
    phase = np.cumsum(np.linspace(*f0, n)) / sr               # число периодов к моменту t
    y = np.diff(np.floor(phase), prepend=0.0)                  # 1 в начале каждого периода
    for freq, bw in formants:
        r, th = np.exp(-np.pi * bw / sr), 2 * np.pi * freq / sr
        y = lfilter([1 - r], [1, -2 * r * np.cos(th), r * r], y)
    ramp = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.02 * sr))
    return y * ramp / np.abs(y * ramp).max()


def synthetic_speech(sr: int = SR, seed: int = 0) -> Array:
    """1 с «псевдоречи»: пауза, гласная /а/, шумовая /с/ (шум выше 4 кГц), гласная /и/, пауза,
    и слабый фоновый шум (−60 дБ). Пиковая амплитуда 0,5.

    >>> x = synthetic_speech(); x.shape, round(float(np.abs(x).max()), 3)
    ((16000,), 0.5)
    """
    rng = np.random.default_rng(seed)
    hiss = lfilter(*butter(4, 4000, "highpass", fs=sr), rng.normal(size=int(0.15 * sr)))
    hiss *= 0.4 / np.abs(hiss).max() * np.hanning(hiss.size)
    parts = [np.zeros(int(0.08 * sr)), vowel(0.3, (140, 115), VOWELS["а"], sr), hiss,
             vowel(0.3, (125, 150), VOWELS["и"], sr)]
    x = np.concatenate(parts)
    x = np.pad(x, (0, sr - x.size)) + 1e-3 * rng.normal(size=sr)
    return 0.5 * x / np.abs(x).max()
# --8<-- [end:signals]


# --8<-- [start:quantize]
def quantize(x: Array, bits: int) -> Array:
    """Равномерное квантование сигнала из [−1, 1) в 2^bits уровней с шагом Δ = 2/2^bits.

    >>> quantize(np.array([0.3, -0.74]), 2)
    array([ 0.5, -0.5])
    """
    step = 2.0 / 2 ** bits
    return np.clip(np.round(x / step) * step, -1, 1 - step)


def snr_db(clean: Array, noisy: Array) -> float:
    """SNR = 10·log10(Σ s² / Σ (ŝ − s)²), дБ.

    >>> round(snr_db(np.ones(4), np.ones(4) * 1.1), 1)
    20.0
    """
    return float(10 * np.log10(np.sum(clean ** 2) / np.sum((noisy - clean) ** 2)))
# --8<-- [end:quantize]


# --8<-- [start:stft]
def hann(n: int) -> Array:
    """Периодическое окно Ханна w[m] = 0,5 − 0,5·cos(2πm/n), как ``torch.hann_window(n)``.

    >>> hann(4)
    array([0. , 0.5, 1. , 0.5])
    """
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def stft(x: Array, n_fft: int = 400, hop: int = 160, win_length: int | None = None) -> Array:
    """Кратковременное преобразование Фурье X[k, t] = Σ_m x[t·hop + m] · w[m] · e^{−2πikm/n_fft},
    k = 0…n_fft/2. Сигнал дополнен отражением на n_fft/2 с краёв (кадр t центрирован в t·hop),
    окно Ханна длины win_length стоит в центре n_fft. Возвращает (n_fft/2 + 1, 1 + len(x)//hop).

    >>> X = stft(np.cos(2 * np.pi * 1000 * np.arange(16000) / 16000))   # 1 кГц, sr = 16 кГц
    >>> X.shape, int(np.abs(X[:, 50]).argmax()) * 16000 / 400           # пик в бине 25 = 1000 Гц
    ((201, 101), 1000.0)
    """
    win_length = win_length or n_fft
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann(win_length)
    xp = np.pad(x, n_fft // 2, mode="reflect")
    n_frames = 1 + (xp.size - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    return np.fft.rfft(xp[idx] * window, axis=1).T
# --8<-- [end:stft]


# --8<-- [start:mel]
def hz_to_mel(f: Array | float, htk: bool = True) -> Array:
    """Мел-шкала. HTK: m = 2595·log10(1 + f/700). Slaney: m = 3f/200 ниже 1 кГц,
    выше — 15 + 27·ln(f/1000)/ln 6,4 (линейная до 1 кГц, логарифмическая после).

    >>> float(hz_to_mel(1000.0).round(2)), float(hz_to_mel(1000.0, htk=False))
    (1000.0, 15.0)
    """
    f = np.asarray(f, dtype=float)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    return np.where(f < 1000, 3 * f / 200, 15 + 27 * np.log(np.maximum(f, 1e-9) / 1000) / np.log(6.4))


def mel_to_hz(m: Array | float, htk: bool = True) -> Array:
    """Обратная к ``hz_to_mel``.

    >>> float(mel_to_hz(hz_to_mel(4000.0, htk=False), htk=False).round(6))
    4000.0
    """
    m = np.asarray(m, dtype=float)
    if htk:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)
    return np.where(m < 15, 200 * m / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))


def mel_filterbank(sr: int = SR, n_fft: int = 400, n_mels: int = 80, fmin: float = 0.0,
                   fmax: float | None = None, htk: bool = False, norm: str | None = "slaney") -> Array:
    """Матрица (n_mels, n_fft/2 + 1) треугольных фильтров. Точки f_0 < … < f_{M+1} равномерны по
    мел-шкале (f_1…f_M — центры, f_0 = fmin, f_{M+1} = fmax); фильтр m: (f − f_{m−1})/(f_m − f_{m−1})
    на подъёме, (f_{m+1} − f)/(f_{m+1} − f_m) на спаде. norm="slaney" делит фильтр на половину
    ширины (f_{m+1} − f_{m−1})/2 — равная площадь.

    >>> fb = mel_filterbank(n_mels=40, htk=True, norm=None)   # между f_1 и f_M треугольники
    >>> fb.shape, bool(np.allclose(fb.sum(0)[2:188], 1))     # в сумме дают ровно 1
    ((40, 201), True)
    """
    fmax = sr / 2 if fmax is None else fmax
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    fb = np.maximum(0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    if norm == "slaney":
        fb *= 2.0 / (hi - lo)
    return fb
# --8<-- [end:mel]


# --8<-- [start:logmel]
def log_mel(x: Array, sr: int = SR, n_fft: int = 400, hop: int = 160, n_mels: int = 80,
            eps: float = 1e-10) -> Array:
    """Лог-мел спектрограмма: log(max(F·|STFT(x)|², ε)), F — мел-фильтры. По умолчанию окно
    25 мс, шаг 10 мс, 80 мел-полос (как у Whisper). Форма (n_mels, кадры).

    >>> log_mel(synthetic_speech()).shape      # 1 с → 101 кадр по 10 мс
    (80, 101)
    """
    power = np.abs(stft(x, n_fft, hop)) ** 2
    return np.log(np.maximum(mel_filterbank(sr, n_fft, n_mels) @ power, eps))


def mfcc(log_mel_spec: Array, n_mfcc: int = 13) -> Array:
    """Мел-кепстральные коэффициенты: DCT-II (ортонормированное) лог-мел спектра по оси частот,
    первые n_mfcc коэффициентов: c_j = Σ_m a_j·S_m·cos(πj(m + ½)/M).

    >>> mfcc(np.ones((40, 3)))[:3, 0].round(3)     # ровный спектр → только c_0 = √40
    array([6.325, 0.   , 0.   ])
    """
    return dct(log_mel_spec, type=2, norm="ortho", axis=0)[:n_mfcc]
# --8<-- [end:logmel]


def _db(power: Array, floor: float = -80.0) -> Array:
    """Мощность → дБ относительно максимума, снизу обрезано floor; int8 (компактный JSON)."""
    db = 10 * np.log10(np.maximum(power, 1e-12) / power.max())
    return np.maximum(db, floor).round(0).astype(np.int8)


def waveform_figure(x: Array, sr: int = SR, step: int = 4) -> go.Figure:
    """Вейвформа (каждый step-й отсчёт)."""
    fig = new_figure("Вейвформа синтетической фразы «а-с-и»", "время, с", "амплитуда")
    t = np.arange(0, x.size, step) / sr
    fig.add_scatter(x=t.astype(np.float32), y=x[::step].astype(np.float32), mode="lines", name="x(t)", line_width=1)
    return fig


def resolution_figure(x: Array, sr: int = SR, windows: tuple = (128, 1024), hop: int = 160) -> go.Figure:
    """Спектрограммы одного сигнала с коротким и длинным окном: компромисс время/частота."""
    fig = new_figure("Короткое окно — точно во времени, длинное — по частоте", "", "")
    titles = [f"окно {n} отсчётов ({1000 * n / sr:.0f} мс)<br>Δf = {sr / n:.1f} Гц".replace(".", ",")
              for n in windows]
    fig.set_subplots(1, 2, subplot_titles=titles, shared_yaxes=True, horizontal_spacing=0.04)
    fig.update_layout(margin=dict(t=90))
    for col, n in enumerate(windows, start=1):
        S = np.abs(stft(x, n, hop)) ** 2
        keep = slice(None, None, max(1, (n // 2 + 1) // 128))        # не больше ~128 строк
        f = np.fft.rfftfreq(n, 1 / sr)[keep]
        fig.add_heatmap(z=_db(S)[keep], x=(np.arange(S.shape[1]) * hop / sr).round(3), y=f.round(0),
                        coloraxis="coloraxis", name=f"окно {n}", row=1, col=col)
        fig.update_xaxes(title_text="время, с", row=1, col=col)
    fig.update_yaxes(title_text="частота, Гц", row=1, col=1)
    fig.update_layout(coloraxis=dict(colorscale="Viridis", colorbar_title="дБ"))
    return fig


def mel_figure(sr: int = SR, n_mels: int = 20) -> go.Figure:
    """Слева — мел-шкала (HTK и Slaney), справа — треугольные фильтры (HTK, без нормировки)."""
    fig = new_figure("Мел-шкала и мел-фильтры", "", "")
    fig.set_subplots(1, 2, subplot_titles=["мел от герц", f"{n_mels} треугольных фильтров (HTK)"],
                     horizontal_spacing=0.1)
    f = np.linspace(0, sr / 2, 200)
    for htk, name in [(True, "HTK: 2595·lg(1 + f/700)"), (False, "Slaney (×1000/15)")]:
        m = hz_to_mel(f, htk) * (1 if htk else 1000 / 15)
        fig.add_scatter(x=f.round(0), y=m.round(1), mode="lines", name=name, row=1, col=1)
    edges = mel_to_hz(np.linspace(0, hz_to_mel(sr / 2), n_mels + 2))
    for i in range(n_mels):                                  # треугольник = 3 точки
        fig.add_scatter(x=edges[i:i + 3].round(1), y=[0, 1, 0], mode="lines", showlegend=False,
                        line_width=1, name=f"фильтр {i + 1}", row=1, col=2)
    fig.update_xaxes(title_text="частота, Гц")
    fig.update_yaxes(title_text="мел", row=1, col=1)
    fig.update_yaxes(title_text="вес", row=1, col=2)
    fig.update_layout(legend=dict(x=0.01, y=0.99))
    return fig


def features_figure(x: Array, sr: int = SR, n_fft: int = 400, hop: int = 160) -> go.Figure:
    """Путь признаков: |STFT|² в дБ → лог-мел (80) → MFCC (13), общая ось времени."""
    fig = new_figure("От вейвформы к признакам ASR", "", "")
    fig.set_subplots(3, 1, shared_xaxes=True, vertical_spacing=0.07, row_heights=[0.45, 0.35, 0.2],
                     subplot_titles=["спектрограмма мощности, дБ (201 бин, показан каждый 3-й)",
                                     "лог-мел спектрограмма, дБ (80 полос)",
                                     "MFCC (13 коэффициентов, каждый нормирован по времени)"])
    t = (np.arange(1 + x.size // hop) * hop / sr).round(3)
    S = np.abs(stft(x, n_fft, hop)) ** 2
    M = mel_filterbank(sr, n_fft, 80) @ S
    C = mfcc(np.log(np.maximum(M, 1e-10)))
    C = (C - C.mean(1, keepdims=True)) / C.std(1, keepdims=True)     # для показа: по строкам
    fig.add_heatmap(z=_db(S)[::3], x=t, y=np.fft.rfftfreq(n_fft, 1 / sr)[::3].round(0), row=1, col=1,
                    coloraxis="coloraxis", name="|X|²")
    fig.add_heatmap(z=_db(M), x=t, y=np.arange(80), row=2, col=1, coloraxis="coloraxis", name="лог-мел")
    fig.add_heatmap(z=C.astype(np.float32), x=t, y=np.arange(13), row=3, col=1, colorscale="RdBu",
                    zmid=0, showscale=False, name="MFCC")
    fig.update_layout(coloraxis=dict(colorscale="Viridis", colorbar=dict(title="дБ", len=0.8, y=0.6)),
                      height=640)
    fig.update_yaxes(title_text="Гц", row=1, col=1)
    fig.update_yaxes(title_text="мел-полоса", row=2, col=1)
    fig.update_yaxes(title_text="j", row=3, col=1)
    fig.update_xaxes(title_text="время, с", row=3, col=1)
    return fig


WINDOWS = [128, 256, 400, 1024, 2048]       # 8, 16, 25, 64, 128 мс при 16 кГц


def window_traces(x: Array, n: int, sr: int = SR, hop: int = 160, fmax: float = 2500.0,
                  t_slice: float = 0.25, max_rows: int = 64) -> list:
    """Кадр ползунка «длина окна»: спектрограмма 0…fmax Гц (слева, дБ от максимума; не больше
    max_rows строк) и спектр одного кадра в момент t_slice (справа)."""
    S = np.abs(stft(x, n, hop)) ** 2
    f = np.fft.rfftfreq(n, 1 / sr)
    band = np.flatnonzero(f <= fmax)
    rows = band[::max(1, -(-band.size // max_rows))]
    t = (np.arange(S.shape[1]) * hop / sr).round(3)
    frame = int(round(t_slice * sr / hop))
    spec = 10 * np.log10(np.maximum(S[band, frame], 1e-12) / S[band, frame].max())
    return [go.Heatmap(z=_db(S)[rows], x=t, y=f[rows].round(1), coloraxis="coloraxis", name=f"окно {n}"),
            go.Scatter(x=f[band].round(1), y=np.maximum(spec, -80).round(1), mode="lines", xaxis="x2",
                       yaxis="y2", name=f"спектр кадра t = {t_slice} с".replace(".", ","), showlegend=False)]


def window_figure(x: Array, sr: int = SR, windows: list = WINDOWS, active: int = 2) -> go.Figure:
    """Ползунок по длине окна STFT: компромисс время–частота на одной фразе."""
    title = lambda n: (f"Окно {n} отсчётов = {1000 * n / sr:g} мс<br>шаг бинов {sr / n:.1f} Гц, "  # noqa: E731
                       f"полоса Ханна (−6 дБ) ≈ {2 * sr / n:.0f} Гц").replace(".", ",")
    fig = explorable("", "время, с", "частота, Гц", "длина окна, отсчётов", windows,
                     lambda n: window_traces(x, n, sr), active=active, title_for=title,
                     margin=dict(t=80),
                     xaxis=dict(domain=[0, 0.55]), xaxis2=dict(domain=[0.75, 1], anchor="y2", title="частота, Гц"),
                     yaxis2=dict(anchor="x2", title="дБ", range=[-80, 2]),
                     coloraxis=dict(colorscale="Viridis", cmin=-80, cmax=0,
                                    colorbar=dict(title="дБ", x=0.57, xanchor="left", thickness=12)))
    return fig


MEL_BANDS = [10, 20, 40, 80, 128]


def mel_bands_traces(x: Array, n_mels: int, sr: int = SR, n_fft: int = 400, hop: int = 160) -> list:
    """Кадр ползунка «число мел-полос»: лог-мел (дБ от максимума) по оси центральных частот."""
    fb = mel_filterbank(sr, n_fft, n_mels)
    M = fb @ np.abs(stft(x, n_fft, hop)) ** 2
    centers = mel_to_hz(np.linspace(0, hz_to_mel(sr / 2, htk=False), n_mels + 2), htk=False)[1:-1]
    t = (np.arange(M.shape[1]) * hop / sr).round(3)
    return [go.Heatmap(z=_db(M), x=t, y=centers.round(0), coloraxis="coloraxis", name=f"{n_mels} полос")]


def narrow_filters(n_mels: int, sr: int = SR, n_fft: int = 400) -> int:
    """Сколько мел-фильтров захватывают не больше двух бинов STFT (уже шага бинов).

    >>> narrow_filters(40), narrow_filters(80)
    (0, 34)
    """
    return int(((mel_filterbank(sr, n_fft, n_mels) > 0).sum(1) <= 2).sum())


def mel_bands_figure(x: Array, sr: int = SR, bands: list = MEL_BANDS, active: int = 3) -> go.Figure:
    """Ползунок по числу мел-полос M (окно 25 мс, n_fft = 400)."""
    title = lambda m: f"M = {m} мел-полос<br>фильтров не шире двух бинов STFT: {narrow_filters(m, sr)}"  # noqa: E731
    fig = explorable("", "время, с", "центр полосы, Гц", "число мел-полос M", bands,
                     lambda m: mel_bands_traces(x, m, sr), active=active, title_for=title, margin=dict(t=80),
                     coloraxis=dict(colorscale="Viridis", cmin=-80, cmax=0, colorbar=dict(title="дБ")))
    fig.update_yaxes(type="log")
    return fig
