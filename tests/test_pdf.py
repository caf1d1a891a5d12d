"""PDF всей книги: все билеты на месте, фигуры и формулы напечатаны, каждый билет с новой страницы."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from hooks.exam import load_exam, ticket_heading
from scripts.pdf import print_pdf

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="нужен poppler-utils")
DATA = load_exam()


def page_texts(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")


@pytest.fixture(scope="module")
def book(site, browser, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "handbook.pdf"
    print_pdf(browser, site["url"] + "print_page/", out)
    return out


def test_every_ticket_is_in_the_book_and_starts_a_page(book):
    pages = page_texts(book)
    assert 30 <= len(pages) <= 1500
    for t in DATA["tickets"]:
        heading = " ".join(ticket_heading(t).split()[:4])  # начало заголовка на первой строке
        starts = [i for i, p in enumerate(pages) if p.strip().startswith(heading)]
        assert starts, f"в PDF нет страницы, начинающейся с «{heading}»"


def test_figures_and_formulas_are_printed(book, tmp_path):
    pages = page_texts(book)
    fig_page = next(i for i, p in enumerate(pages) if "Функции активации и их производные" in p)
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", str(fig_page + 1), "-l",
                    str(fig_page + 1), str(book), str(tmp_path / "p")], check=True)
    from PIL import Image

    png = next(tmp_path.glob("p-*.png"))
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    blue = (abs(rgb[..., 0] - 0x1F) < 40) & (abs(rgb[..., 1] - 0x77) < 40) & (abs(rgb[..., 2] - 0xB4) < 40)
    assert blue.sum() > 50, "на странице с фигурой нет линий фигуры"
    text = "\n".join(pages)
    assert "∂L" in text or "∂" in text, "формулы не напечатаны"
    assert "\\frac" not in text, "в PDF остался сырой TeX"


def test_pdf_text_has_no_raw_markup_or_screen_controls(book):
    """В тексте PDF нет сырого Markdown/TeX (код в PDF тоже текст, поэтому шаблоны уже, чем для
    страниц): ссылок «](…», маркеров admonition, списков атрибутов, команд TeX; нет значков «¶»."""
    import re

    text = "\n".join(page_texts(book))
    patterns = {
        "ссылка Markdown": r"\]\((?:\.\./|https?://|[\w/-]+\.md)",
        "маркер admonition": r"(?:^|\n)\s*(?:!!!|\?\?\?\+?) [a-z]+",
        "список атрибутов": r"\{:\s*[.#][\w-]+",
        "команда TeX": r"\\(?:frac|mathbf|mathcal|partial|nabla|sum|operatorname|left|right)\b",
        "якорь заголовка «¶»": r"¶",
    }
    found = {what: re.findall(rf".{{0,30}}{p}.{{0,30}}", text) for what, p in patterns.items()}
    found = {k: v[:5] for k, v in found.items() if v}
    assert not found, f"в PDF сырая разметка: {found}"
