"""Токенизация: наш BPE против кода Algorithm 1 из статьи Sennrich et al. (2016), перебор для Unigram."""

import collections
import itertools
import re

import numpy as np
import pytest

from snippets._plotting import trace_types
from snippets.tokenization import (
    SAMPLE_EN,
    SAMPLE_RU,
    bpe_encode,
    bpe_train,
    char_ngrams,
    fertility_figure,
    merge_word,
    show_token,
    split_word,
    tokens_per_word,
    unigram_segment,
    word_counts,
    wordpiece_encode,
)


def reference_bpe(vocab: dict[str, int], num_merges: int) -> list[tuple[str, str]]:
    """Algorithm 1 из Sennrich et al. (2016), дословно (слова — символы через пробел)."""
    def get_stats(vocab):
        pairs = collections.defaultdict(int)
        for word, freq in vocab.items():
            symbols = word.split()
            for i in range(len(symbols) - 1):
                pairs[symbols[i], symbols[i + 1]] += freq
        return pairs

    def merge_vocab(pair, v_in):
        v_out = {}
        bigram = re.escape(" ".join(pair))
        p = re.compile(r"(?<!\S)" + bigram + r"(?!\S)")
        for word in v_in:
            v_out[p.sub("".join(pair), word)] = v_in[word]
        return v_out

    merges = []
    for _ in range(num_merges):
        pairs = get_stats(vocab)
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        vocab = merge_vocab(best, vocab)
        merges.append(best)
    return merges


PAPER_VOCAB = {"low": 5, "lower": 2, "newest": 6, "widest": 3}


def test_paper_example():
    merges = [a + b for (a, b), _, _ in bpe_train(PAPER_VOCAB, 10)]
    assert merges == ["es", "est", "est</w>", "lo", "low", "ne", "new", "newest</w>", "low</w>", "wi"]


@pytest.mark.parametrize("text", [SAMPLE_RU, SAMPLE_EN])
def test_matches_paper_algorithm(text):
    counts = word_counts(text)
    ours = [pair for pair, _, _ in bpe_train(counts, 200)]
    ref = reference_bpe({" ".join(w) + " </w>": c for w, c in counts.items()}, 200)
    assert ours == ref


def test_trace_counts_never_increase_and_tokens_shrink():
    trace = bpe_train(word_counts(SAMPLE_RU), 150)
    counts = [c for _, c, _ in trace]
    n_tokens = [n for _, _, n in trace]
    assert all(a >= b for a, b in itertools.pairwise(counts))      # самая частая пара только реже
    # каждое слияние уменьшает длину корпуса ровно на число слитых вхождений пары
    # (вхождения могут перекрываться, как «а а а», поэтому ≤)
    start = sum(c * (len(w) + 1) for w, c in word_counts(SAMPLE_RU).items())
    drops = np.diff([start, *n_tokens])
    assert np.all(-drops <= np.array(counts)) and np.all(drops < 0)


@pytest.mark.parametrize("byte_level", [False, True])
def test_encode_reproduces_training_segmentation(byte_level):
    counts = word_counts(SAMPLE_RU)
    merges = [p for p, _, _ in bpe_train(counts, 120, byte_level)]
    for w in counts:                                            # сегментация после обучения
        seg = split_word(w, byte_level)
        for p in merges:
            seg = merge_word(seg, p)
        assert bpe_encode(w, merges, byte_level) == list(seg)


@pytest.mark.parametrize("byte_level", [False, True])
def test_roundtrip_on_unseen_words(byte_level):
    merges = [p for p, _, _ in bpe_train(word_counts(SAMPLE_RU), 100, byte_level)]
    for w in ["токенизаторами", "переобучение", "ёжик", "word", "эмбеддинг"]:
        toks = bpe_encode(w, merges, byte_level)
        joined = b"".join(toks) if byte_level else "".join(toks)
        end = b"</w>" if byte_level else "</w>"
        assert joined.endswith(end)
        decoded = joined[:-len(end)]
        assert (decoded.decode("utf-8") if byte_level else decoded) == w
    # незнакомое слово собирается из выученных основы и окончаний
    toks = [show_token(t) for t in bpe_encode("токенизаторами", merges, byte_level)]
    assert toks == ["токенизатор", "ам", "и</w>"]


def test_bytes_double_cyrillic_length():
    assert len(split_word("слово", byte_level=True)) == 2 * 5 + 1
    assert len(split_word("word", byte_level=True)) == 4 + 1
    assert tokens_per_word(SAMPLE_RU, [], byte_level=True) > 1.8 * tokens_per_word(SAMPLE_RU, [])


def test_wordpiece_greedy_longest_match():
    vocab = {"token", "##izer", "##s", "to", "##ken", "##i", "##z", "##e", "##r"}
    assert wordpiece_encode("tokenizers", vocab) == ["token", "##izer", "##s"]
    assert wordpiece_encode("tokenx", vocab) == ["[UNK]"]                     # «x» нет в словаре
    vocab_scores = bpe_train(word_counts(SAMPLE_EN), 50, criterion="wordpiece")
    assert all(s <= 1.0 for _, s, _ in vocab_scores)                         # count(ab) ≤ count(a)


def brute_force_unigram(word, logp):
    best = (None, float("-inf"))
    for cuts in itertools.product([0, 1], repeat=len(word) - 1):
        pieces, start = [], 0
        for i, c in enumerate(cuts, 1):
            if c:
                pieces.append(word[start:i])
                start = i
        pieces.append(word[start:])
        if all(p in logp for p in pieces):
            score = sum(logp[p] for p in pieces)
            if score > best[1]:
                best = (pieces, score)
    return best


def test_unigram_viterbi_matches_brute_force():
    rng = np.random.default_rng(0)
    alphabet = "абвг"
    pieces = {"".join(rng.choice(list(alphabet), size=n)) for n in (2, 3, 4) for _ in range(12)}
    logp = {p: float(-rng.uniform(1, 6)) for p in pieces | set(alphabet)}
    for _ in range(30):
        word = "".join(rng.choice(list(alphabet), size=rng.integers(1, 10)))
        got, score = unigram_segment(word, logp)
        _, ref_score = brute_force_unigram(word, logp)
        assert score == pytest.approx(ref_score)
        assert "".join(got) == word and sum(logp[p] for p in got) == pytest.approx(score)


def test_fasttext_ngrams():
    grams = char_ngrams("кот")
    assert grams == ["<ко", "кот", "от>", "<кот", "кот>", "<кот>"]
    assert len(char_ngrams("токенизатор", 3, 6)) == sum(13 - n + 1 for n in range(3, 7)) + 1


def test_fertility_figure():
    fig = fertility_figure()
    assert trace_types(fig) == {"scatter"} and len(fig.to_json()) < 150_000
    ru_chars, ru_bytes, en_bytes, _ = (np.array(t.y) for t in fig.data)
    assert ru_chars[-1] < 0.7 * ru_chars[0] and ru_bytes[0] > 1.8 * ru_chars[0]
    assert en_bytes[-1] > 2 * ru_bytes[-1]           # чужой токенизатор почти не сжимает русский текст


def test_fertility_is_measured_on_unseen_text():
    from snippets.tokenization import SAMPLE_RU_TEST
    assert not set(word_counts(SAMPLE_RU_TEST)) <= set(word_counts(SAMPLE_RU))
    fig = fertility_figure()
    held_out, train_text = fig.data[0].y, fig.data[3].y
    assert train_text[-1] == 1.0 and held_out[-1] > 2.0       # на своём тексте — запоминание
    merges = [p for p, _, _ in bpe_train(word_counts(SAMPLE_RU), 100)]
    assert held_out[5] == round(tokens_per_word(SAMPLE_RU_TEST, merges), 3)


def test_bpe_slider_frames_are_bpe_segmentations():
    from snippets._plotting import frame_traces, same_traces
    from snippets.tokenization import BPE_STEPS, BPE_WORDS, bpe_segment_traces, bpe_steps_figure
    fig = bpe_steps_figure()
    for i in (0, 3, len(BPE_STEPS) - 1):
        traces = frame_traces(fig, i)
        assert same_traces(traces, bpe_segment_traces(BPE_STEPS[i]))
        merges = [p for p, _, _ in bpe_train(word_counts(SAMPLE_RU), BPE_STEPS[i])]
        for row, w in enumerate(BPE_WORDS):                    # отрезки склеиваются обратно в слово
            pieces = [t.text[row] for t in traces if t.text[row]]
            assert "".join(pieces) == w + "_"
            assert len(pieces) == len(bpe_encode(w, merges))
    assert len(fig.to_json()) < 60_000


def test_normalize_merges_unicode_variants_and_yo():
    from snippets.tokenization import normalize
    composed, decomposed = "йод", "и\u0306од"
    assert composed != decomposed and normalize(composed) == normalize(decomposed) == "йод"
    assert normalize("Всё") == normalize("все") == "все"                  # ё → е: «всё» и «все» сливаются
    assert normalize("всё", yo_to_e=False) == "всё"
    text = "Ёлка\u00a0и ﬁ  ЁЖ"
    assert normalize(normalize(text)) == normalize(text) == "елка и fi еж"
    assert len(word_counts(normalize(SAMPLE_RU))) <= len(word_counts(SAMPLE_RU))
