"""Тренажёр экзамена и отметки прогресса в Chromium."""

from __future__ import annotations

from hooks.exam import load_exam, ticket_heading
from scripts.browser import PageLog, wait_ready

DATA = load_exam()
M32 = 0xFFFFFFFF


def mulberry32(seed: int):
    """Тот же ГПСЧ, что в docs/assets/js/exam.js (32-битная арифметика JavaScript)."""
    state = seed & M32

    def imul(a, b):
        return (a * b) & M32

    def rnd() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rnd


def expected_draw(seed: int):
    rnd = mulberry32(seed)
    tickets = [t for t in DATA["tickets"] if not t.get("appendix")]
    ticket = tickets[int(rnd() * len(tickets))]
    others = [q for q in DATA["theory"] if q["ticket"] != ticket["id"]]
    return ticket, others[int(rnd() * len(others))]


def seed_for(ticket_id: str) -> int:
    return next(s for s in range(10_000) if expected_draw(s)[0]["id"] == ticket_id)


def test_simulator_draw_is_deterministic_and_reveals_the_plan(site, browser):
    seed = seed_for("t01")
    ticket, question = expected_draw(seed)
    ctx = browser.new_context()
    page = ctx.new_page()
    log = PageLog(site["url"]).attach(page)
    page.goto(site["url"] + f"exam/?seed={seed}")
    page.wait_for_selector("#hb-ticket")
    assert page.inner_text("#hb-ticket") == ticket_heading(ticket)
    assert page.inner_text("#hb-question").endswith(question["text"])
    page.click("#hb-start")
    page.wait_for_function("document.getElementById('hb-clock').textContent !== '20:00'",
                           timeout=30_000)
    page.click("#hb-reveal")
    page.wait_for_selector("#hb-answer .admonition.abstract li")
    assert page.locator("#hb-answer .admonition.abstract li").count() >= 5
    page.wait_for_selector("#hb-answer .hb-short .admonition.answer .katex, "
                           "#hb-answer .hb-short .admonition.answer p")
    page.locator("#hb-answer .hb-mark[data-id=t01] button[data-state=know]").click()
    stored = page.evaluate("JSON.parse(localStorage.getItem('hb-progress'))")
    assert stored == {"t01": "know"}
    assert page.evaluate("JSON.parse(localStorage.getItem('hb-history'))")[0]["seed"] == seed
    # Тот же seed — тот же билет при повторном открытии.
    page.goto(site["url"] + f"exam/?seed={seed}")
    page.wait_for_selector("#hb-ticket")
    assert page.inner_text("#hb-ticket") == ticket_heading(ticket)
    assert page.locator("#hb-history li").count() == 1
    # Прогресс на главной учитывает отметку.
    page.goto(site["url"])
    page.wait_for_selector("#hb-progress progress")
    assert "знаю 1 из 13" in page.inner_text("#hb-progress")
    assert not log.console_errors and not log.external
    ctx.close()


def test_marks_on_ticket_page_for_ticket_and_its_questions(site, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(site["url"] + "tickets/01-backprop/")
    wait_ready(page)
    page.wait_for_selector("h1 .hb-mark")
    assert page.locator("#q01 .hb-mark").count() == 1 and page.locator("#q02 .hb-mark").count() == 1
    page.locator("#q02 .hb-mark button[data-state=review]").click()
    assert page.evaluate("JSON.parse(localStorage.getItem('hb-progress'))") == {"q02": "review"}
    on = page.locator("#q02 .hb-mark button.hb-on")
    assert on.get_attribute("aria-label") == "повторить" and on.get_attribute("aria-pressed") == "true"
    # подпись кнопки видна (она из CSS ::before, а не из текста — чтобы не попасть в поиск)
    assert on.evaluate("b => getComputedStyle(b, '::before').content") == '"повторить"'
    # отметка переживает перезагрузку страницы
    page.reload()
    wait_ready(page)
    page.wait_for_selector("#q02 .hb-mark button.hb-on[data-state=review]")
    ctx.close()
