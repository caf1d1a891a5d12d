"""STFT против torch.stft, мел-фильтры против определения и librosa, лог-мел, MFCC, квантование."""

import math

import numpy as np
import pytest
import torch

from snippets._plotting import frame_traces, same_traces, trace_types
from snippets.audio import (
    MEL_BANDS,
    SR,
    WINDOWS,
    features_figure,
    hz_to_mel,
    log_mel,
    mel_bands_figure,
    mel_bands_traces,
    mel_figure,
    mel_filterbank,
    mel_to_hz,
    mfcc,
    narrow_filters,
    quantize,
    resolution_figure,
    snr_db,
    stft,
    synthetic_speech,
    waveform_figure,
    window_figure,
    window_traces,
)


@pytest.mark.parametrize("n_fft,hop,win", [(400, 160, None), (512, 128, 400), (64, 16, None),
                                           (1024, 256, 1024)])
def test_stft_matches_torch(n_fft, hop, win):
    x = np.random.default_rng(n_fft).normal(size=4001)
    ours = stft(x, n_fft, hop, win)
    ref = torch.stft(torch.tensor(x), n_fft, hop_length=hop, win_length=win or n_fft,
                     window=torch.hann_window(win or n_fft, dtype=torch.float64), center=True,
                     pad_mode="reflect", return_complex=True)
    torch.testing.assert_close(torch.from_numpy(ours), ref)


def test_stft_of_sine_peaks_at_its_bin_and_parseval():
    sr, n_fft = 8000, 256
    k = 20                                        # ровно на бине: f = k·sr/n_fft
    x = np.sin(2 * np.pi * k * sr / n_fft * np.arange(sr) / sr)
    X = stft(x, n_fft, 64)
    assert (np.abs(X[:, 5:-5]).argmax(0) == k).all()
    # амплитуда пика: |X| = A·Σw/2 = n_fft/4 для окна Ханна (Σw = n_fft/2)
    assert np.allclose(np.abs(X[k, 5:-5]), n_fft / 4, rtol=1e-6)


def test_mel_scales_hand_values():
    assert hz_to_mel(700.0) == pytest.approx(2595 * math.log10(2))             # 781.17
    assert hz_to_mel(1000.0, htk=False) == pytest.approx(15.0)
    assert hz_to_mel(6400.0, htk=False) == pytest.approx(42.0)                 # 15 + 27·ln6,4/ln6,4
    assert hz_to_mel(500.0, htk=False) == pytest.approx(7.5)
    f = np.array([0.0, 100.0, 999.0, 1000.0, 4321.0, 8000.0])
    for htk in (True, False):
        np.testing.assert_allclose(mel_to_hz(hz_to_mel(f, htk), htk), f, atol=1e-9)


@pytest.mark.parametrize("htk", [True, False])
def test_filterbank_triangles_by_definition(htk):
    sr, n_fft, n_mels = 16000, 512, 10
    fb = mel_filterbank(sr, n_fft, n_mels, htk=htk, norm=None)
    edges = mel_to_hz(np.linspace(0, hz_to_mel(sr / 2, htk), n_mels + 2), htk)
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    for m in range(n_mels):
        lo, c, hi = edges[m], edges[m + 1], edges[m + 2]
        for j, f in enumerate(freqs):   # кусочно-линейный треугольник, посчитанный «руками»
            want = (f - lo) / (c - lo) if lo <= f <= c else (hi - f) / (hi - c) if c < f <= hi else 0.0
            assert fb[m, j] == pytest.approx(want, abs=1e-12)
    fbn = mel_filterbank(sr, n_fft, n_mels, htk=htk, norm="slaney")
    np.testing.assert_allclose(fbn, fb * 2 / (edges[2:] - edges[:-2])[:, None])


@pytest.mark.parametrize("htk,norm,fmin,fmax,n_fft", [(True, None, 0, None, 400),
                                                     (False, "slaney", 0, None, 400),
                                                     (True, "slaney", 20, 7600, 512),
                                                     (False, None, 60, 4000, 1024)])
def test_filterbank_matches_librosa(htk, norm, fmin, fmax, n_fft):
    librosa = pytest.importorskip("librosa")
    ours = mel_filterbank(SR, n_fft, 40, fmin, fmax, htk=htk, norm=norm)
    ref = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=40, fmin=fmin, fmax=fmax, htk=htk,
                              norm=norm, dtype=np.float64)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-10)


def test_log_mel_and_mfcc_match_librosa():
    librosa = pytest.importorskip("librosa")
    x = synthetic_speech()
    power = librosa.stft(x, n_fft=400, hop_length=160, window="hann", center=True,
                         pad_mode="reflect")
    ref = np.log(np.maximum(librosa.filters.mel(sr=SR, n_fft=400, n_mels=80) @ np.abs(power) ** 2,
                            1e-10))
    ours = log_mel(x)
    np.testing.assert_allclose(ours, ref, atol=1e-3)
    db = 10 / np.log(10) * ours
    np.testing.assert_allclose(mfcc(db, 13), librosa.feature.mfcc(S=db, n_mfcc=13), atol=1e-6)


def test_mfcc_is_orthonormal_dct():
    S = np.random.default_rng(0).normal(size=(40, 7))
    C = mfcc(S, n_mfcc=40)
    np.testing.assert_allclose(np.linalg.norm(C, axis=0), np.linalg.norm(S, axis=0))   # сохраняет норму
    m, j = np.arange(40), 3
    np.testing.assert_allclose(C[j], np.sqrt(2 / 40) * np.cos(np.pi * j * (m + 0.5) / 40) @ S)


def test_quantization_snr_six_db_per_bit():
    t = np.arange(48000) / 48000
    amp = 0.9
    x = amp * np.sin(2 * np.pi * 997 * t)             # синус почти во всю шкалу
    for bits in (8, 12, 16):   # 6,02·b + 1,76 дБ для синуса полной амплитуды, минус 20·lg(1/amp)
        want = 6.02 * bits + 1.76 + 20 * np.log10(amp)
        assert snr_db(x, quantize(x, bits)) == pytest.approx(want, abs=0.3)


def test_aliasing_above_nyquist():
    sr, n = 8000, np.arange(64)
    high = np.cos(2 * np.pi * 7000 * n / sr)           # 7 кГц > sr/2 = 4 кГц
    low = np.cos(2 * np.pi * 1000 * n / sr)            # его «двойник» sr − 7000 = 1000 Гц
    np.testing.assert_allclose(high, low, atol=1e-9)


def test_synthetic_speech_is_deterministic_and_has_vowel_formants():
    x = synthetic_speech(seed=3)
    np.testing.assert_array_equal(x, synthetic_speech(seed=3))
    spec = np.abs(stft(x, 1024, 160)) ** 2
    freqs = np.fft.rfftfreq(1024, 1 / SR)
    a = spec[:, 15:50].mean(1)                        # /а/: 0,08–0,38 с
    i = spec[:, 75:95].mean(1)                        # /и/: 0,53–0,83 с
    band = (freqs > 500) & (freqs < 1500)
    assert a[band].sum() > 10 * i[band].sum()         # у /а/ высокий F1 (730 Гц), у /и/ — нет
    hi = (freqs > 2000) & (freqs < 2600)
    assert i[hi].sum() > a[hi].sum()                  # у /и/ высокий F2 (2290 Гц)


def test_figures_small_and_plain_traces():
    x = synthetic_speech()
    for fig in (waveform_figure(x), resolution_figure(x), mel_figure(), features_figure(x)):
        assert trace_types(fig) <= {"scatter", "heatmap"}
        assert len(fig.to_json()) < 150_000


def test_window_slider_frames_equal_direct_calls():
    x = synthetic_speech()
    fig = window_figure(x)
    for i in (0, 2, len(WINDOWS) - 1):
        assert same_traces(frame_traces(fig, i), window_traces(x, WINDOWS[i]))
    assert fig.layout.sliders[0].active == 2 and "400 отсчётов = 25 мс<br>" in fig.layout.title.text


def test_long_window_resolves_two_close_tones_short_does_not():
    """Разрешение задаёт окно: тоны 1000 и 1060 Гц различимы при 1024 (−6 дБ-ширина 31 Гц),
    но сливаются в один пик при 128 (250 Гц)."""
    t = np.arange(SR) / SR
    x = np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 1060 * t)

    def peaks(n):
        spec = np.abs(stft(x, n, 160))[:, 50]
        f = np.fft.rfftfreq(n, 1 / SR)
        band = (f > 500) & (f < 1600)
        s = spec[band]
        return int(np.sum((s[1:-1] > s[:-2]) & (s[1:-1] > s[2:]) & (s[1:-1] > 0.5 * s.max())))

    assert peaks(1024) == 2 and peaks(128) == 1


def test_hann_main_lobe_is_two_bins_wide_at_minus_6_db():
    n = 256
    w = np.fft.fft(np.pad(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n), (0, 63 * n)))  # сетка ×64
    mag = np.abs(w) / np.abs(w[0])
    assert mag[64] == pytest.approx(0.5)               # на расстоянии одного бина: −6,02 дБ


def test_mel_bands_slider_frames_and_narrow_filters():
    x = synthetic_speech()
    fig = mel_bands_figure(x)
    for i in (0, 3, len(MEL_BANDS) - 1):
        assert same_traces(frame_traces(fig, i), mel_bands_traces(x, MEL_BANDS[i]))
        assert np.asarray(frame_traces(fig, i)[0].z).shape == (MEL_BANDS[i], 101)
    fb = mel_filterbank(SR, 400, 128)
    assert narrow_filters(128) == int(((fb > 0).sum(1) <= 2).sum()) > 64
    assert narrow_filters(10) == 0
