"""PDF всей книги и каждого билета: печатная страница сайта через headless Chromium.

    python scripts/pdf.py                # собрать сайт и сделать handbook.pdf
    python scripts/pdf.py --tickets      # плюс pdf/ticket-NN.pdf по билету
    python scripts/pdf.py --site site    # взять уже собранный сайт

Печатную страницу (/print_page/) собирает mkdocs-print-site-plugin: обложка, оглавление, все
главы подряд. Формулы нарисованы при сборке; скрипт рисует все фигуры и ждёт их, и печатает в A4
с номерами страниц (их ставит CSS @page). Фигуры печатаются в том виде, в каком нарисованы.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.browser import free_port, launch, mkdocs_cmd, serve, wait_ready  # noqa: E402

def build_site(site_dir: Path, site_url: str) -> None:
    env = dict(os.environ, SITE_URL=site_url, NO_MKDOCS_2_WARNING="1")
    subprocess.run([*mkdocs_cmd(), "build", "-q", "-d", str(site_dir)],
                   cwd=ROOT, env=env, check=True)


def print_pdf(browser, url: str, out: Path) -> None:
    """Открывает url в режиме печати, ждёт фигуры и формулы, сохраняет PDF."""
    ctx = browser.new_context(viewport={"width": 900, "height": 1200}, color_scheme="light")
    page = ctx.new_page()
    page.emulate_media(media="print")
    page.goto(url, wait_until="load", timeout=300_000)  # вся книга: десятки МБ HTML
    wait_ready(page, timeout=120_000)
    page.evaluate("window.hbForPrint()")  # светлые цвета и ширина страницы (обещание)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Поля и номер страницы задаёт CSS (@page в handbook.css и print-site).
    page.pdf(path=str(out), format="A4", print_background=True, prefer_css_page_size=True)
    ctx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description="PDF справочника")
    ap.add_argument("--site", type=Path, help="готовый сайт (иначе собрать во временный каталог)")
    ap.add_argument("--out", type=Path, default=ROOT / "handbook.pdf")
    ap.add_argument("--tickets", action="store_true", help="ещё и PDF каждого билета в pdf/")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    site_dir = args.site or Path(tempfile.mkdtemp(prefix="handbook-site-"))
    if args.site is None:
        build_site(site_dir, base)
        print(f"сайт собран за {time.perf_counter() - start:.1f} с")
    with serve(str(site_dir), port), sync_playwright() as pw:
        browser = launch(pw)
        print_pdf(browser, base + "print_page/", args.out)
        print(f"{args.out} готов, {time.perf_counter() - start:.1f} с")
        if args.tickets:
            for page_dir in sorted((site_dir / "tickets").iterdir()):
                out = ROOT / "pdf" / f"ticket-{page_dir.name}.pdf"
                print_pdf(browser, base + f"tickets/{page_dir.name}/", out)
            print(f"PDF билетов в {ROOT / 'pdf'}, {time.perf_counter() - start:.1f} с")
        browser.close()


if __name__ == "__main__":
    main()
