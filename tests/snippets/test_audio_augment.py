"""Аугментации: достигнутый SNR, частоты после изменения скорости/темпа/тона, RT60 синтетической
RIR, iSTFT против torch.istft, маски SpecAugment, встроенный WAV."""

import base64
import io
import re
import wave

import numpy as np
import pytest
import torch

from snippets._plotting import trace_types
from snippets.audio import SR, stft, synthetic_speech
from snippets.audio_augment import (
    add_noise,
    audio_files,
    audio_table,
    augmentations,
    before_after_figure,
    istft,
    page_clips,
    pitch_shift,
    reverberate,
    spec_augment,
    speed_perturb,
    synthetic_rir,
    time_stretch,
    time_warp,
    wav_data_uri,
    wav_filename,
)


def tone(f, dur=1.0, sr=SR):
    """cos с нулевой фазой: отражение на краях (center=True) продолжает его без излома, поэтому
    и первые кадры STFT — чистая синусоида (от фазы первого кадра вокодер отсчитывает все)."""
    return np.cos(2 * np.pi * f * np.arange(int(dur * sr)) / sr)


def peak_hz(x, sr=SR):
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n=8 * x.size))
    return np.fft.rfftfreq(8 * x.size, 1 / sr)[spec.argmax()]


def snr(clean, noisy):
    return 10 * np.log10(np.mean(clean ** 2) / np.mean((noisy - clean) ** 2))


@pytest.mark.parametrize("target", [-5.0, 0.0, 10.0, 30.0])
def test_noise_reaches_requested_snr(target):
    x = synthetic_speech()
    rng = np.random.default_rng(0)
    assert snr(x, add_noise(x, target, rng)) == pytest.approx(target, abs=1e-9)
    other = tone(300)                                   # смешивание с другим сигналом
    assert snr(x, add_noise(x, target, rng, noise=other)) == pytest.approx(target, abs=1e-9)


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_speed_perturbation_scales_length_and_frequency(factor):
    y = speed_perturb(tone(1000), factor)
    assert y.size == pytest.approx(SR / factor, abs=1)
    assert peak_hz(y) == pytest.approx(1000 * factor, rel=2e-3)


@pytest.mark.parametrize("n_fft,hop", [(512, 128), (400, 160)])
def test_istft_matches_torch_and_reconstructs(n_fft, hop):
    x = np.random.default_rng(0).normal(size=8000)
    X = stft(x, n_fft, hop)
    ref = torch.istft(torch.from_numpy(X), n_fft, hop_length=hop,
                      window=torch.hann_window(n_fft, dtype=torch.float64), center=True, length=x.size)
    ours = istft(X, n_fft, hop, length=x.size)
    torch.testing.assert_close(torch.from_numpy(ours), ref)
    np.testing.assert_allclose(ours, x, atol=1e-9)


@pytest.mark.parametrize("rate", [0.8, 1.25])
def test_time_stretch_keeps_pitch_changes_duration(rate):
    y = time_stretch(tone(440), rate)
    assert y.size == round(SR / rate)
    assert peak_hz(y[1000:-1000]) == pytest.approx(440, rel=5e-3)
    # огибающая не рвётся: мощность в середине как у исходного синуса (1/2)
    assert np.mean(y[2000:-2000] ** 2) == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("semitones", [-3, 4])
def test_pitch_shift_moves_frequency_keeps_length(semitones):
    y = pitch_shift(tone(440), semitones)
    assert y.size == SR
    assert peak_hz(y[1000:-1000]) == pytest.approx(440 * 2 ** (semitones / 12), rel=5e-3)


def schroeder_rt60(h, sr=SR):
    """RT60 по кривой спада энергии (обратное интегрирование Шрёдера): наклон между −5 и −25 дБ × 3."""
    edc = 10 * np.log10(np.cumsum(h[::-1] ** 2)[::-1] / np.sum(h ** 2))
    t = np.arange(h.size) / sr
    sel = (edc < -5) & (edc > -25)
    slope = np.polyfit(t[sel], edc[sel], 1)[0]                 # дБ/с
    return -60 / slope


@pytest.mark.parametrize("rt60", [0.3, 0.6])
def test_synthetic_rir_has_requested_rt60(rt60):
    h = synthetic_rir(rt60, np.random.default_rng(1))
    assert schroeder_rt60(h) == pytest.approx(rt60, rel=0.1)
    x = synthetic_speech()
    y = reverberate(x, h)
    assert np.mean(y ** 2) == pytest.approx(np.mean(x ** 2))
    assert y.size == x.size


def test_reverberation_is_convolution():
    x = np.zeros(100)
    x[10] = 1.0
    h = synthetic_rir(0.002 + 20 / SR, np.random.default_rng(0))
    y = reverberate(x, h)
    np.testing.assert_allclose(y[10:10 + h.size] / y[10], h / h[0], atol=1e-12)   # импульс → h


def test_spec_augment_masks_have_bounded_width():
    S = np.random.default_rng(0).normal(size=(80, 300)) + 10
    for seed in range(20):
        out = spec_augment(S, np.random.default_rng(seed), F=15, m_F=2, T=30, m_T=2, W=0)
        masked = out == S.mean()
        rows, cols = masked.all(1), masked.all(0)
        assert rows.sum() <= 2 * 15 and cols.sum() <= 2 * 30
        assert np.array_equal(out[~rows][:, ~cols], S[~rows][:, ~cols])   # остальное не тронуто


def test_spec_augment_time_mask_respects_p():
    S = np.random.default_rng(0).normal(size=(10, 50))
    for seed in range(20):
        out = spec_augment(S, np.random.default_rng(seed), F=0, m_F=0, T=100, m_T=1, p=0.2, W=0)
        assert (out == S.mean()).all(0).sum() <= 0.2 * 50


def test_time_warp_keeps_edges_and_order():
    S = np.tile(np.arange(100.0), (3, 1))              # значение = номер кадра
    out = time_warp(S, 10, np.random.default_rng(0))
    assert out[0, 0] == 0 and out[0, -1] == 99
    assert np.all(np.diff(out[0]) > 0)                 # монотонно: порядок кадров сохранён
    assert np.max(np.abs(out[0] - S[0])) <= 10 + 1e-9   # сдвиг не больше W


def test_wav_data_uri_is_valid_16k_mono():
    clips = augmentations(synthetic_speech())
    assert len(clips) == 6 and all(y.size == SR for y in clips.values())
    html = audio_table({"исходная": synthetic_speech(), **clips})
    uris = re.findall(r'src="data:audio/wav;base64,([^"]+)"', html)
    assert len(uris) == 7
    with wave.open(io.BytesIO(base64.b64decode(uris[0]))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        assert w.getnframes() / w.getframerate() <= 1.0
    assert wav_data_uri(np.ones(10)).startswith("data:audio/wav;base64,UklGR")   # «RIFF»


def test_before_after_figure():
    fig = before_after_figure(synthetic_speech())
    assert trace_types(fig) == {"heatmap"}
    assert len(fig.data) == 8 and [t.visible is not False for t in fig.data].count(True) == 2
    assert len(fig.to_json()) < 150_000


def test_audio_files_match_the_table_links():
    files = audio_files()
    clips = page_clips()
    assert len(files) == len(clips) == 7
    html = audio_table(clips, base="../../assets/audio")
    srcs = re.findall(r'src="\.\./\.\./assets/audio/([^"]+)"', html)
    assert srcs == list(files) and "data:" not in html and html.count('preload="none"') == 7
    for data in files.values():                          # каждый файл — 1 с моно 16 кГц
        with wave.open(io.BytesIO(data)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (16000, 1, 16000)
    x = clips["исходная фраза «а-с-и»"]
    with wave.open(io.BytesIO(files[wav_filename(x)])) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767
    np.testing.assert_allclose(pcm, 0.9 * x / np.abs(x).max(), atol=1 / 32767)
    assert audio_files() == files                        # детерминированно: имена не меняются
