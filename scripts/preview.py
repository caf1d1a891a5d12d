"""Быстрый предпросмотр нескольких страниц: собирает сайт только из них и печатает предупреждения.

    python scripts/preview.py docs/tickets/05-cnn.md [ещё страницы] [--shot]

Сайт — в /tmp/preview-<первая страница>; с --shot там же снимки (светлая и тёмная тема,
ширина телефона), нарезанные по высоте, и отчёт об ошибках консоли и внешних запросах.
Полная сборка — ``mkdocs build --strict``; здесь strict выключен, чтобы видеть все предупреждения
сразу (ссылки на страницы вне предпросмотра ожидаемо «не найдены»).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def docs_rel(p: str) -> str:
    path = Path(p)
    if path.parts and path.parts[0] == "docs":
        path = Path(*path.parts[1:])
    return path.as_posix()


def build(pages: list[str], site_dir: Path, site_url: str) -> int:
    cfg = {
        "INHERIT": str(ROOT / "mkdocs.yml"),
        "strict": False,
        "site_dir": str(site_dir),
        "docs_dir": str(ROOT / "docs"),
        "exclude_docs": "*.md\n!index.md\nincludes/\n" + "".join(f"!{p}\n" for p in pages),
        "nav": [{"Главная": "index.md"}, *pages],
    }
    from scripts.browser import mkdocs_cmd

    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=ROOT, prefix=".preview-",
                                     delete=False) as f:
        yaml.safe_dump(cfg, f, allow_unicode=True)
        cfg_path = f.name
    env = dict(os.environ, SITE_URL=site_url, HB_PREVIEW="1", NO_MKDOCS_2_WARNING="1")
    try:
        # Без -q: -q прячет и предупреждения. Печатаем всё, кроме строк INFO.
        proc = subprocess.run([*mkdocs_cmd(), "build", "-f", cfg_path], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        for line in proc.stderr.splitlines():
            if not line.startswith("INFO") and "IPKernelApp" not in line:
                print(line)
        return proc.returncode
    finally:
        os.unlink(cfg_path)


def shots(pages: list[str], site_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    from scripts.browser import PageLog, launch, serve, wait_ready

    with serve(str(site_dir)) as base, sync_playwright() as pw:
        browser = launch(pw)
        for page_path in pages:
            url = base + page_path.removesuffix(".md").removesuffix("index") + "/"
            url = url.replace("//", "/").replace(":/", "://")
            name = Path(page_path).stem
            for mode, viewport, scheme in [("light", (1280, 900), "light"),
                                           ("dark", (1280, 900), "dark"),
                                           ("phone", (390, 844), "light")]:
                ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                          color_scheme=scheme)
                page = ctx.new_page()
                log = PageLog(base).attach(page)
                page.goto(url)
                try:
                    wait_ready(page)
                except Exception as err:  # noqa: BLE001
                    print(f"{page_path} [{mode}]: не дождались фигур/формул: {err}")
                # Снимок всей страницы без прокрутки: секции вне экрана (content-visibility)
                # иначе остались бы пустыми.
                page.add_style_tag(content=".hb-sec{content-visibility:visible!important}")
                height = page.evaluate("document.documentElement.scrollHeight")
                step = 1600 if mode != "phone" else 1400
                for i, top in enumerate(range(0, height, step)):
                    page.screenshot(path=str(site_dir / f"{name}-{mode}-{i:02d}.png"),
                                    clip={"x": 0, "y": top, "width": viewport[0],
                                          "height": min(step, height - top)}, full_page=True)
                for kind, items in [("ошибки консоли", log.console_errors),
                                    ("внешние запросы", log.external)]:
                    for item in items:
                        print(f"{page_path} [{mode}] {kind}: {item}")
                ctx.close()
        browser.close()
    print(f"снимки: {site_dir}/*.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+")
    ap.add_argument("--shot", action="store_true", help="снимки страниц в Chromium")
    args = ap.parse_args()
    pages = [docs_rel(p) for p in args.pages]
    site_dir = Path(tempfile.gettempdir()) / f"preview-{Path(pages[0]).stem}"
    from scripts.browser import free_port
    port = free_port()
    code = build(pages, site_dir, f"http://127.0.0.1:{port}/")
    print(f"сборка: код {code}, сайт в {site_dir}")
    if args.shot:
        shots(pages, site_dir)


if __name__ == "__main__":
    main()
