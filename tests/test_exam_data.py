"""data/exam.yml ↔ сиды ↔ страницы: каждый билет и вопрос на месте, тексты дословные."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hooks.exam import LABEL_RE, expected_labels, load_exam
from hooks.flashcards import block_after_label

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
DATA = load_exam()


def clean(s: str) -> str:
    """Текст сида без markdown-экранирования и лишних пробелов (как хранится в exam.yml)."""
    return re.sub(r"\s+", " ", s.replace("\\-", "-").replace("\\>", ">")).strip()


def test_counts():
    assert len([t for t in DATA["tickets"] if not t.get("appendix")]) == 13
    assert len(DATA["theory"]) == 28
    questions = [q for b in DATA["interview"] for s in b["sections"] for q in s["questions"]]
    assert len(DATA["interview"]) == 9 and len(questions) == 21
    assert sum(len(q["followups"]) for q in questions) == 68


def test_every_theory_question_belongs_to_an_existing_ticket():
    ids = {t["id"] for t in DATA["tickets"]}
    assert all(q["ticket"] in ids for q in DATA["theory"])
    assert [q["id"] for q in DATA["theory"] if q["ticket"] == "t14"] == ["q28"]


@pytest.mark.skipif(not SEEDS.exists(), reason="нет ../shared/seeds")
def test_texts_are_verbatim_from_the_exam_seed():
    text = (SEEDS / "004_b1a56ff2e38d94c8.txt").read_text(encoding="utf-8")
    tickets_part, theory_part = text.split("# Теоретический минимум")
    tickets = [clean(m) for m in re.findall(r"^\d+\.\s+(.*)$", tickets_part, re.M)]
    theory = [clean(m) for m in re.findall(r"^\d+\.\s+(.*)$", theory_part, re.M)]
    assert tickets == [t["title"] for t in DATA["tickets"] if not t.get("appendix")]
    assert theory == [q["text"] for q in DATA["theory"]]


@pytest.mark.skipif(not SEEDS.exists(), reason="нет ../shared/seeds")
def test_interview_is_verbatim_from_the_interview_seed():
    text = (SEEDS / "000_d3740e988ec7e52d.txt").read_text(encoding="utf-8")
    seed_q = [clean(m) for m in re.findall(r"^\*\*Вопрос \d+:\*\* (.*)$", text, re.M)]
    seed_hints = [clean(m) for m in re.findall(r"^\*Подсказка: (.*)\*$", text, re.M)]
    seed_fu = [clean(m) for m in re.findall(r"^- (.*)$", text, re.M)]
    seed_blocks = re.findall(r"^## Блок \d+: (.*)$", text, re.M)
    qs = [q for b in DATA["interview"] for s in b["sections"] for q in s["questions"]]
    assert seed_blocks == [b["title"] for b in DATA["interview"]]
    assert seed_q == [q["text"] for q in qs]
    assert seed_hints == [q["hint"] for q in qs]
    assert seed_fu == [f["text"] for q in qs for f in q["followups"]]


PAGES = sorted({t["page"] for t in DATA["tickets"]} | {b["page"] for b in DATA["interview"]})


@pytest.mark.parametrize("page", PAGES)
def test_page_exists_and_has_every_label(page):
    path = ROOT / "docs" / page
    assert path.exists(), f"нет страницы docs/{page}"
    found = {m.group(2) for m in LABEL_RE.finditer(path.read_text(encoding="utf-8"))}
    missing = expected_labels(DATA, page) - found
    assert not missing, f"docs/{page}: нет меток {sorted(missing)}"


@pytest.mark.parametrize("ticket", [t for t in DATA["tickets"] if not t.get("appendix")],
                         ids=lambda t: t["id"])
def test_ticket_page_has_the_required_sections(ticket):
    text = (ROOT / "docs" / ticket["page"]).read_text(encoding="utf-8")
    assert text.startswith(f"# @{ticket['id']}\n")
    for heading in ['!!! abstract "План ответа"', "## Теоретический минимум", "## Самопроверка",
                    "## Источники"]:
        assert heading in text, f"docs/{ticket['page']}: нет «{heading}»"
    plan = re.search(r'!!! abstract "План ответа"\n\n?((?:    .*\n)+)', text)
    points = re.findall(r"^    \d+\. ", plan.group(1), re.M) if plan else []
    assert 5 <= len(points) <= 8, f"docs/{ticket['page']}: в плане ответа {len(points)} пунктов"


def _answered_items():
    """(label, page) каждого вопроса теорминимума и собеседования и каждого углубляющего."""
    items = [(q["id"], DATA["index"][q["ticket"]]["page"]) for q in DATA["theory"]]
    for b in DATA["interview"]:
        for s in b["sections"]:
            for q in s["questions"]:
                items.append((q["id"], b["page"]))
                items += [(f["id"], b["page"]) for f in q["followups"]]
    return items


@pytest.mark.parametrize("label,page", _answered_items(), ids=lambda x: x)
def test_every_question_opens_with_a_crisp_short_answer(label, page):
    """Короткий ответ — блок `!!! answer` сразу под меткой, до ~80 слов, не жирный абзац."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    short = block_after_label(text, label)
    assert short, f"docs/{page}: под @{label} нет блока `!!! answer \"Коротко\"`"
    prose = re.sub(r"\$\$.+?\$\$|\$[^$\n]+?\$", " F ", short, flags=re.S)  # формула — одно слово
    words = re.findall(r"[\w\-–]+", prose)
    assert 10 <= len(words) <= 85, f"@{label}: в коротком ответе {len(words)} слов (нужно до ~80)"
    assert not (short.startswith("**") and short.endswith("**")), f"@{label}: весь ответ жирным"


@pytest.mark.parametrize("ticket", DATA["tickets"], ids=lambda t: t["id"])
def test_self_check_has_at_least_eight_questions(ticket):
    text = (ROOT / "docs" / ticket["page"]).read_text(encoding="utf-8")
    part = text.split("## Самопроверка", 1)[-1].split("\n## ", 1)[0]
    n = len(re.findall(r"^\?\?\?\+? question", part, re.M))
    assert n >= 8, f"docs/{ticket['page']}: в «Самопроверке» {n} вопросов, нужно не меньше 8"
