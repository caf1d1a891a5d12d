"""Lighthouse (доступность и лучшие практики) для страницы без фигур и страницы с фигурами.

    npm install --prefix /tmp/lh lighthouse@12   # один раз
    python scripts/lighthouse.py [каталог сайта, по умолчанию site/]

Использует системный Chromium (CHROME_PATH=/usr/bin/chromium). Цель: ≥ 0,95 в обеих категориях.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.browser import CHROMIUM_ARGS, chromium_path, serve  # noqa: E402

PAGES = {"главная (без фигур)": "", "билет 1 (формулы, фигуры)": "tickets/01-backprop/"}
LH = os.environ.get("LIGHTHOUSE", "/tmp/lh/node_modules/.bin/lighthouse")


def main() -> None:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    with serve(str(site)) as base, tempfile.TemporaryDirectory() as tmp:
        for name, path in PAGES.items():
            out = Path(tmp) / "r.json"
            subprocess.run([LH, base + path, "--only-categories=accessibility,best-practices",
                            f"--chrome-flags={flags}", "--output=json", f"--output-path={out}",
                            "--quiet"], env=dict(os.environ, CHROME_PATH=chromium_path()), check=True)
            report = json.loads(out.read_text())
            scores = {k: v["score"] for k, v in report["categories"].items()}
            print(f"{name:28s} доступность {scores['accessibility']:.2f}, "
                  f"лучшие практики {scores['best-practices']:.2f}")
            for cat in report["categories"].values():
                for ref in cat["auditRefs"]:
                    audit = report["audits"][ref["id"]]
                    if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
                        print(f"    не пройдено: {audit['title']}")


if __name__ == "__main__":
    main()
