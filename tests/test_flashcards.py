"""Колода Anki: по карточке на каждый билет, вопрос и углубляющий вопрос."""

from __future__ import annotations

import sqlite3
import zipfile

from hooks.exam import load_exam
from hooks.flashcards import build_deck

DATA = load_exam()
QUESTIONS = [q for b in DATA["interview"] for s in b["sections"] for q in s["questions"]]
# План ответа: 13 билетов + приложение о GNN; затем все вопросы и углубляющие вопросы.
EXPECTED = len(DATA["tickets"]) + len(DATA["theory"]) + len(QUESTIONS) + sum(
    len(q["followups"]) for q in QUESTIONS)


def test_every_question_has_a_card():
    deck, missing = build_deck()
    assert not missing, f"нет короткого ответа (жирного абзаца под меткой) для: {missing}"
    assert len(deck.notes) == EXPECTED == 14 + 28 + 21 + 68


def test_built_site_ships_the_deck(site, tmp_path):
    apkg = site["dir"] / "assets" / "handbook.apkg"
    with zipfile.ZipFile(apkg) as z:
        z.extract("collection.anki2", tmp_path)
    con = sqlite3.connect(tmp_path / "collection.anki2")
    assert con.execute("select count(*) from notes").fetchone()[0] == EXPECTED
    con.close()
