"""Lighthouse (мобильный профиль) для всех билетов и главной: сайт раздаётся со сжатием gzip.

    npm install --prefix /tmp/lh lighthouse@12   # один раз
    python scripts/lighthouse.py [каталог сайта, по умолчанию site/] [--pages tickets/01-backprop/ …]

Использует системный Chromium (CHROME_PATH=/usr/bin/chromium). Печатает таблицу Markdown:
производительность, общее время блокировки (TBT), LCP, доступность, лучшие практики.
Бюджет: производительность ≥ 0,90 и TBT ≤ 300 мс на каждой странице.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hooks.exam import load_exam  # noqa: E402
from scripts.browser import CHROMIUM_ARGS, chromium_path, serve  # noqa: E402

LH = os.environ.get("LIGHTHOUSE", "/tmp/lh/node_modules/.bin/lighthouse")


def default_pages() -> list[str]:
    data = load_exam()
    return ["", *[t["page"].removesuffix(".md") + "/" for t in data["tickets"]],
            "interview/09-production/", "practice/tiny_nerf/"]


def audit(url: str, tmp: Path) -> dict:
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    out = tmp / "r.json"
    subprocess.run([LH, url, "--only-categories=performance,accessibility,best-practices",
                    f"--chrome-flags={flags}", "--output=json", f"--output-path={out}", "--quiet"],
                   env=dict(os.environ, CHROME_PATH=chromium_path()), check=True)
    r = json.loads(out.read_text())
    cat = {k: v["score"] for k, v in r["categories"].items()}
    return {"perf": cat["performance"], "a11y": cat["accessibility"], "bp": cat["best-practices"],
            "tbt": r["audits"]["total-blocking-time"]["numericValue"],
            "lcp": r["audits"]["largest-contentful-paint"]["numericValue"] / 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", nargs="?", type=Path, default=ROOT / "site")
    ap.add_argument("--pages", nargs="*")
    args = ap.parse_args()
    pages = args.pages or default_pages()
    print("| страница | производительность | TBT, мс | LCP, с | доступность | лучшие практики |")
    print("|---|---|---|---|---|---|")
    worst = []
    with serve(str(args.site), gzip=True) as base, tempfile.TemporaryDirectory() as tmp:
        for path in pages:
            s = audit(base + path, Path(tmp))
            print(f"| `/{path}` | {s['perf']:.2f} | {s['tbt']:.0f} | {s['lcp']:.1f} | "
                  f"{s['a11y']:.2f} | {s['bp']:.2f} |", flush=True)
            if s["perf"] < 0.90 or s["tbt"] > 300:
                worst.append(path)
    print(f"\nвне бюджета: {', '.join(worst) or 'нет'}")


if __name__ == "__main__":
    main()
