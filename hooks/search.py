"""Поисковый индекс для студента: главы выше справочника API, жаргон находит главу, индекс лёгкий.

После сборки хук переписывает ``search/search_index.json`` (Material строит по нему индекс lunr в
браузере):
- страницы «Справочника API» не индексируются: их текст — код из ``snippets/``, который уже
  есть в главах, и без них главы не тонут под страницами модулей;
- билеты и собеседование получают ``boost``: при равном совпадении они выше;
- первой секции страницы дописываются слова из ``docs/includes/search.yml`` (жаргон, английские
  термины, другие написания: «бэкпроп», «батчнорм», «квантование»);
- из текста убираются блоки кода и выключные формулы, строчные формулы становятся простым
  текстом (в выдаче поиска нет сырого TeX), JSON пишется без экранирования кириллицы.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ROOT / "docs" / "includes" / "search.yml"
EXCLUDE = ("reference/", "print_page/")
BOOST = {"tickets/": 3.0, "interview/": 1.5}

TEX_SYMBOLS = {
    r"\partial": "∂", r"\nabla": "∇", r"\sum": "Σ", r"\prod": "Π", r"\times": "×", r"\cdot": "·",
    r"\top": "ᵀ", r"\le": "≤", r"\ge": "≥", r"\leq": "≤", r"\geq": "≥", r"\approx": "≈",
    r"\ne": "≠", r"\neq": "≠", r"\to": "→", r"\infty": "∞", r"\in": "∈", r"\odot": "⊙",
    r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\epsilon": "ε",
    r"\varepsilon": "ε", r"\eta": "η", r"\theta": "θ", r"\lambda": "λ", r"\mu": "μ", r"\sigma": "σ",
    r"\tau": "τ", r"\phi": "φ", r"\varphi": "φ", r"\omega": "ω", r"\pi": "π", r"\rho": "ρ",
    r"\Delta": "Δ", r"\Sigma": "Σ", r"\log": "log", r"\exp": "exp", r"\max": "max", r"\min": "min",
}


def tex_to_text(tex: str) -> str:
    r"""Строчная формула -> простой текст для выдачи поиска.

    >>> tex_to_text(r"\partial\mathcal{L}/\partial W = X^\top G")
    '∂L/∂W = XᵀG'
    >>> tex_to_text(r"\frac{a}{b}")
    'a/b'
    """
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", tex)
    for cmd, sym in sorted(TEX_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
        tex = re.sub(re.escape(cmd) + r"(?![a-zA-Z])\s*", sym, tex)
    tex = re.sub(r"\^ᵀ", "ᵀ", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "", tex)          # \mathbf, \mathcal, \operatorname, \, …
    tex = re.sub(r"\\[,;:! ]", " ", tex)
    tex = tex.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", tex).replace(" ᵀ", "ᵀ").strip()


def clean_text(text: str) -> str:
    """Текст секции без кода и выключных формул; строчные формулы — простым текстом."""
    text = re.sub(r"<pre[^>]*>.*?</pre>", " ", text, flags=re.S)
    text = re.sub(r"\\\[.*?\\\]", " ", text, flags=re.S)
    text = re.sub(r"\\\((.*?)\\\)", lambda m: tex_to_text(m.group(1)), text, flags=re.S)
    return re.sub(r"\s{2,}", " ", text).strip()


def rewrite(index: dict, keywords: dict[str, list[str]]) -> dict:
    docs, seen = [], set()
    for doc in index["docs"]:
        loc = doc["location"]
        if loc.startswith(EXCLUDE):
            continue
        doc = dict(doc, text=clean_text(doc["text"]), title=clean_text(doc["title"]))
        page = loc.split("#", 1)[0]
        boost = next((b for prefix, b in BOOST.items() if page.startswith(prefix)), None)
        if boost:
            doc["boost"] = boost
        if page not in seen:
            seen.add(page)
            words = keywords.get(page)
            if words:  # поле tags: Material ищет по нему с самым большим весом
                doc["tags"] = list(words)
        docs.append(doc)
    return dict(index, docs=docs)


def on_post_build(config, **kwargs):
    path = Path(config["site_dir"]) / "search" / "search_index.json"
    if not path.exists():
        return
    raw = yaml.safe_load(KEYWORDS.read_text(encoding="utf-8")) or {}
    keywords = {src.removesuffix(".md").removesuffix("index") + "/": words for src, words in raw.items()}
    index = rewrite(json.loads(path.read_text(encoding="utf-8")), keywords)
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
