"""Токенизация: BPE (символьный и байтовый) с трассой слияний, WordPiece, Unigram LM, n-граммы fastText.

Sennrich et al. (2016) — BPE для перевода; Radford et al. (2019) — байтовый BPE (GPT-2);
Schuster & Nakajima (2012), Wu et al. (2016) — WordPiece; Kudo (2018) — Unigram LM;
Bojanowski et al. (2017) — fastText. Корпус — два параллельных абзаца ниже.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

import plotly.graph_objects as go

from snippets._plotting import new_figure

SAMPLE_RU = (
    "Токенизатор разбивает текст на токены. Токенами бывают целые слова, отдельные символы и части "
    "слов. Словарь из целых слов огромен: каждое новое слово и каждая новая форма слова требуют "
    "нового токена, а редкие слова превращаются в неизвестный токен. Словарь из символов мал, зато "
    "последовательности символов длинные. Подсловные токенизаторы находят середину: частые слова "
    "остаются целыми токенами, редкие слова делятся на части. Алгоритм BPE начинает со словаря "
    "символов и много раз сливает самую частую пару соседних токенов. Каждое слияние добавляет в "
    "словарь новый токен. Токенизатор, обученный на русских текстах, выучивает русские основы и "
    "окончания. Токенизатор, обученный на английских текстах, режет русские слова на отдельные "
    "символы или даже байты.")
SAMPLE_EN = (
    "A tokenizer splits text into tokens. Tokens can be whole words, single characters or parts of "
    "words. A vocabulary of whole words is huge: every new word and every new form of a word needs a "
    "new token, and rare words turn into an unknown token. A vocabulary of characters is small, but "
    "sequences of characters are long. Subword tokenizers find the middle: frequent words stay whole "
    "tokens, rare words are split into parts. The BPE algorithm starts from a vocabulary of "
    "characters and many times merges the most frequent pair of adjacent tokens. Every merge adds a "
    "new token to the vocabulary. A tokenizer trained on Russian texts learns Russian stems and "
    "endings. A tokenizer trained on English texts cuts Russian words into single characters or "
    "even bytes.")

SAMPLE_RU_TEST = (  # отложенный текст: BPE его не видел, на нём честно меряют сжатие
    "Нейронная сеть получает на вход не буквы, а номера токенов. Перед обучением модели текст "
    "очищают и приводят к единому виду: заменяют похожие символы, убирают лишние пробелы. Затем "
    "токенизатор режет каждое предложение на куски из своего словаря. Чем лучше словарь подходит "
    "к языку, тем меньше токенов уходит на одно слово и тем длиннее текст, который помещается в "
    "контекст модели. Для русского языка с его падежами и окончаниями это особенно заметно: одна "
    "основа встречается в десятках разных форм.")

Symbol = str | bytes           # символ BPE: строка (символьный BPE) или байты (байтовый BPE)
Pair = tuple[Symbol, Symbol]


def word_counts(text: str) -> dict[str, int]:
    """Предтокенизация: слова в нижнем регистре без пунктуации, с частотами (в порядке появления).

    >>> word_counts("Мама мыла раму, мама!")
    {'мама': 2, 'мыла': 1, 'раму': 1}
    """
    counts: dict[str, int] = {}
    for w in re.findall(r"\w+", text.lower()):
        counts[w] = counts.get(w, 0) + 1
    return counts


# --8<-- [start:normalize]
def normalize(text: str, lower: bool = True, yo_to_e: bool = True) -> str:
    """Нормализация перед токенизацией: Unicode NFKC (составные буквы, лигатуры, неразрывный пробел),
    нижний регистр, «ё» → «е», пробелы схлопываются.

    >>> normalize("Ёжик\u00a0в  ТУМАНЕ, и\u0306од, ﬁle")
    'ежик в тумане, йод, file'
    """
    text = unicodedata.normalize("NFKC", text)
    if lower:
        text = text.lower()
    if yo_to_e:
        text = text.replace("ё", "е")
    return " ".join(text.split())
# --8<-- [end:normalize]


# --8<-- [start:bpe]
def split_word(word: str, byte_level: bool = False) -> tuple[Symbol, ...]:
    """Начальное разбиение: символы (или байты UTF-8) и маркер конца слова </w> (Sennrich et al., 2016).

    >>> split_word("ёж"), split_word("ёж", byte_level=True)
    (('ё', 'ж', '</w>'), (b'\\xd1', b'\\x91', b'\\xd0', b'\\xb6', b'</w>'))
    """
    if byte_level:
        return (*(bytes([b]) for b in word.encode("utf-8")), b"</w>")
    return (*word, "</w>")


def merge_word(symbols: tuple[Symbol, ...], pair: Pair) -> tuple[Symbol, ...]:
    """Заменить в слове все вхождения пары (a, b) слева направо на символ ab.

    >>> merge_word(("a", "a", "a", "</w>"), ("a", "a"))
    ('aa', 'a', '</w>')
    """
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def bpe_train(counts: dict[str, int], n_merges: int, byte_level: bool = False,
              criterion: str = "freq") -> list[tuple[Pair, float, int]]:
    """Обучение BPE: n_merges раз слить самую частую пару соседних символов во всём словаре.

    criterion="wordpiece" — вместо частоты пары count(ab) брать count(ab) / (count(a)·count(b)).
    При равенстве выигрывает пара, встреченная первой (как в коде статьи Sennrich et al.).
    Возвращает трассу: (пара, её оценка, число токенов в корпусе после слияния).

    >>> trace = bpe_train({"low": 5, "lower": 2, "newest": 6, "widest": 3}, 4)
    >>> [(a + b, count) for (a, b), count, _ in trace]
    [('es', 9), ('est', 9), ('est</w>', 9), ('lo', 7)]
    """
    vocab = {split_word(w, byte_level): c for w, c in counts.items()}
    trace = []
    for _ in range(n_merges):
        pairs: dict[Pair, int] = {}
        sym: dict[Symbol, int] = {}
        for word, c in vocab.items():
            for a, b in pairwise(word):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
            for a in word:
                sym[a] = sym.get(a, 0) + c
        if not pairs:
            break                                   # каждое слово — уже один токен
        if criterion == "freq":
            scores = pairs
        else:
            scores = {p: n / (sym[p[0]] * sym[p[1]]) for p, n in pairs.items()}
        best = max(scores, key=scores.__getitem__)  # max берёт первую из равных
        vocab = {merge_word(w, best): c for w, c in vocab.items()}
        trace.append((best, scores[best], sum(len(w) * c for w, c in vocab.items())))
    return trace


def bpe_encode(word: str, merges: list[Pair], byte_level: bool = False) -> list[Symbol]:
    """Кодирование: пока можно, сливать соседнюю пару с наименьшим номером слияния (как в GPT-2).

    >>> bpe_encode("lowest", [("e", "s"), ("es", "t"), ("est", "</w>"), ("l", "o"), ("lo", "w")])
    ['low', 'est</w>']
    """
    rank = {p: r for r, p in enumerate(merges)}
    symbols = split_word(word, byte_level)
    while len(symbols) > 1:
        best = min(pairwise(symbols), key=lambda p: rank.get(p, len(rank)))
        if best not in rank:
            break
        symbols = merge_word(symbols, best)
    return list(symbols)
# --8<-- [end:bpe]


def tokens_per_word(text: str, merges: list[Pair], byte_level: bool = False) -> float:
    """Средняя длина слова в токенах (fertility); маркер </w> без слияний — отдельный токен.

    >>> tokens_per_word("кот кот", []), tokens_per_word("кот кот", [("к", "о"), ("ко", "т")])
    (4.0, 2.0)
    """
    counts = word_counts(text)
    total = sum(c * len(bpe_encode(w, merges, byte_level)) for w, c in counts.items())
    return total / sum(counts.values())


def show_token(t: Symbol) -> str:
    """Токен для печати: байты, не образующие символ UTF-8, — в виде \\xNN.

    >>> show_token("то"), show_token("т".encode()), show_token(b"\\xd1")
    ('то', 'т', '\\\\xd1')
    """
    return t.decode("utf-8", errors="backslashreplace") if isinstance(t, bytes) else t


# --8<-- [start:wordpiece]
def wordpiece_encode(word: str, vocab: set[str], unk: str = "[UNK]") -> list[str]:
    """WordPiece (BERT): жадно берём самый длинный префикс из словаря; продолжения — с «##».

    >>> wordpiece_encode("unaffable", {"un", "##aff", "##able", "a", "##a"})
    ['un', '##aff', '##able']
    """
    tokens, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                tokens.append(piece)
                start = end
                break
        else:
            return [unk]                            # не нашли ни одного куска — всё слово [UNK]
    return tokens
# --8<-- [end:wordpiece]


# --8<-- [start:unigram]
def unigram_segment(word: str, logp: dict[str, float]) -> tuple[list[str], float]:
    """Unigram LM (Kudo, 2018): разбиение x₁…x_m с максимумом Σ log p(x_i) — алгоритм Витерби.

    best[i] = max_j best[j] + log p(word[j:i]); O(n²) по длине слова.

    >>> unigram_segment("abc", {"a": -1.0, "b": -1.0, "c": -1.0, "ab": -1.5, "bc": -2.5})
    (['ab', 'c'], -2.5)
    """
    best = [0.0] + [float("-inf")] * len(word)
    back = [0] * (len(word) + 1)
    for i in range(1, len(word) + 1):
        for j in range(i):
            piece = word[j:i]
            if piece in logp and best[j] + logp[piece] > best[i]:
                best[i], back[i] = best[j] + logp[piece], j
    tokens, i = [], len(word)
    while i > 0:
        tokens.append(word[back[i]:i])
        i = back[i]
    return tokens[::-1], best[-1]
# --8<-- [end:unigram]


def char_ngrams(word: str, n_min: int = 3, n_max: int = 6) -> list[str]:
    """Подслова fastText (Bojanowski et al., 2017): n-граммы слова в скобках <…> плюс само слово.

    >>> char_ngrams("where", 3, 3)
    ['<wh', 'whe', 'her', 'ere', 're>', '<where>']
    """
    w = f"<{word}>"
    grams = [w[i:i + n] for n in range(n_min, n_max + 1) for i in range(len(w) - n + 1)]
    return [g for g in grams if g != w] + [w]


def fertility_figure(max_merges: int = 300, test_text: str = SAMPLE_RU_TEST) -> go.Figure:
    """Средняя длина русского слова в токенах после k слияний BPE — на отложенном тексте.

    Пунктир — тот же BPE на собственном обучающем тексте: там он просто запоминает слова.
    """
    fig = new_figure("Сколько токенов на русское слово после k слияний BPE",
                     "число слияний k (размер словаря = база + k)", "токенов на слово")
    ks = list(range(0, max_merges + 1, 20))
    for train, byte_level, name, text, dash in [
            (SAMPLE_RU, False, "обучен на русском, символы", test_text, None),
            (SAMPLE_RU, True, "обучен на русском, байты", test_text, None),
            (SAMPLE_EN, True, "обучен на английском, байты", test_text, None),
            (SAMPLE_RU, False, "символы, на обучающем тексте", SAMPLE_RU, "dot")]:
        merges = [p for p, _, _ in bpe_train(word_counts(train), max_merges, byte_level)]
        ys = [round(tokens_per_word(text, merges[:k], byte_level), 3) for k in ks]
        fig.add_scatter(x=ks, y=ys, mode="lines", name=name, line={"dash": dash})
    return fig


BPE_WORDS = ["токенизаторами", "словами", "переобучение", "основа"]
BPE_STEPS = [0, 10, 30, 60, 100, 200]


def bpe_segment_traces(k: int, words: list[str] = BPE_WORDS, text: str = SAMPLE_RU) -> list[go.Bar]:
    """Кадр «k слияний»: разбиение слов после первых k слияний BPE, обученного на text.

    Каждый токен — отрезок длиной в число его символов (маркер </w> — один символ).
    """
    merges = [p for p, _, _ in bpe_train(word_counts(text), k)]
    segs = {w: [t.replace("</w>", "_") for t in bpe_encode(w, merges)] for w in words}
    width = max(len(v) for v in segs.values())
    return [go.Bar(y=words, x=[len(segs[w][i]) if i < len(segs[w]) else 0 for w in words],
                   text=[segs[w][i] if i < len(segs[w]) else "" for w in words],
                   orientation="h", textposition="inside", insidetextanchor="middle",
                   marker={"color": "#1f77b4" if i % 2 == 0 else "#ff7f0e",
                           "line": {"width": 1, "color": "white"}},
                   showlegend=False, hoverinfo="text")
            for i in range(width)]


def bpe_steps_figure(steps: list[int] = BPE_STEPS, active: int = 3) -> go.Figure:
    """Ползунок по числу слияний: как BPE склеивает символы в подслова (маркер конца слова — «_»)."""
    from snippets._plotting import explorable
    fig = explorable("BPE: разбиение слов после k слияний", "длина в символах", "",
                     "число слияний k", steps, bpe_segment_traces, active=active, barmode="stack",
                     title_for=lambda k: f"BPE после {k} слияний (обучен на SAMPLE_RU)")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin={"l": 120})               # подписи — целые слова
    return fig
