"""Ссылки собранного сайта: все внутренние ведут на существующие страницы и якоря,
внешние корректно оформлены; две чистые сборки дают одинаковый HTML."""

from __future__ import annotations

import html.parser
import os
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.conftest import ROOT, SITE_URL, mkdocs_build


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "name" in a and tag == "a":
            self.ids.add(a["name"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def parse(path: Path) -> _Collector:
    c = _Collector()
    c.feed(path.read_text(encoding="utf-8"))
    return c


def target_file(site_dir: Path, page: Path, href_path: str) -> Path:
    rel = posixpath.normpath(posixpath.join(page.parent.relative_to(site_dir).as_posix(), unquote(href_path)))
    target = site_dir / rel
    return target / "index.html" if target.is_dir() or href_path.endswith("/") else target


def test_no_broken_internal_links_or_anchors(site):
    site_dir = site["dir"]
    parsed = {p: parse(p) for p in site_dir.rglob("*.html")}
    broken, external = [], []
    for page, c in parsed.items():
        if page.name == "404.html":
            continue
        for href in c.links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                external.append((page, href))
                continue
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = target_file(site_dir, page, parts.path) if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site_dir)} -> {href} (нет файла)")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed.get(target) or parse(target)
                if unquote(parts.fragment) not in ids.ids:
                    broken.append(f"{page.relative_to(site_dir)} -> {href} (нет якоря)")
    assert not broken, "битые ссылки:\n" + "\n".join(sorted(set(broken))[:50])
    bad = [(p.relative_to(site_dir), h) for p, h in external
           if "." not in urlsplit(h).netloc or " " in h]
    assert not bad, f"плохо оформленные внешние ссылки: {bad}"


def without_measurements(path):
    """HTML страницы или данные фигуры; данные фигур с живыми замерами (show(..., measured=True),
    файлы ``assets/figures/measured-*.json``) не сравниваются."""
    return b"" if path.name.startswith("measured-") else path.read_bytes()


def test_two_clean_builds_give_identical_html(site, tmp_path):
    result = mkdocs_build(ROOT / os.environ.get("HB_CONFIG", "mkdocs.yml"), tmp_path / "again", SITE_URL,
                          extra_env={"HB_NO_CACHE": "1"})
    assert result.returncode == 0, result.stderr
    def outputs(root):
        files = [*root.rglob("*.html"), *(root / "assets" / "figures").glob("*.json")]
        return {p.relative_to(root): without_measurements(p) for p in files}

    first, second = outputs(site["dir"]), outputs(tmp_path / "again")
    assert first.keys() == second.keys()
    differ = [str(k) for k in first if first[k] != second[k]]
    assert not differ, f"HTML различается между сборками: {differ[:10]}"


def test_cold_build_log_is_quiet_and_says_what_it_does(site):
    """Журнал холодной сборки (как у новичка: пустой кэш, переменных окружения нет) — без
    предупреждений, трасс и баннеров, но с ходом исполнения кода: что, в каком процессе, сколько."""
    log = site["log"]
    noise = re.compile(r"WARNING|Traceback|Warning:|Invalid Signature|end of life|"
                       r"NO_MKDOCS_2_WARNING|should be defined as the|without encryption")
    bad = [line for line in log.splitlines() if noise.search(line)]
    assert not bad, "\n".join(bad[:20])
    assert re.search(r"исполняю код \d+ страниц и ноутбуков в \d+ процесс", log)
    assert re.search(r"\[\d+/\d+\] процесс \d: исполнено: tickets/\S+\.md — блоков \d+", log)
