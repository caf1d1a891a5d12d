"""Страницы, которых нет в docs/: «Практика» из examples/*.py и «Справочник API» из snippets/*.py.

Ноутбуки (jupytext, формат percent) не копируются в docs/: хук добавляет их в сборку как
practice/<имя>.py, mkdocs-jupyter исполняет и рисует их. Для каждого модуля snippets/<m>.py
создаётся страница reference/<m>.md с директивой mkdocstrings ``::: snippets.<m>``.
Оба списка дописываются в раздел навигации при чтении конфигурации, так что новые файлы
появляются в меню без правки mkdocs.yml.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc
from pymdownx import slugs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SNIPPETS = ROOT / "snippets"


def notebooks() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def _worker_notebooks() -> list[Path] | None:
    """В процессе предварительного исполнения (hooks/prefill.py) — только его ноутбуки."""
    only = os.environ.get("HB_NOTEBOOKS")
    if only is None or not os.environ.get("HB_PREFILL_WORKER"):
        return None
    names = set(filter(None, only.split(",")))
    return [p for p in notebooks() if p.name in names]


def modules() -> list[Path]:
    return sorted(p for p in SNIPPETS.glob("*.py") if not p.name.startswith("_"))


def notebook_title(path: Path) -> str:
    """Первый заголовок «# # …» ноутбука jupytext."""
    m = re.search(r"^# # (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return m.group(1).strip() if m else path.stem


def _section(nav: list, title: str) -> list:
    for item in nav:
        if isinstance(item, dict) and title in item:
            if not isinstance(item[title], list):
                item[title] = [item[title]]
            return item[title]
    raise KeyError(f"mkdocs.yml: в nav нет раздела «{title}»")


def on_config(config, **kwargs):
    if os.environ.get("HB_PREVIEW"):  # scripts/preview.py собирает только выбранные страницы
        return config
    if _worker_notebooks() is not None:
        for folder in ("snippets", "examples", "data"):
            config["watch"].append(str(ROOT / folder))
        return config
    practice = _section(config["nav"], "Практика")
    practice += [{notebook_title(p): f"practice/{p.name}"} for p in notebooks()]
    reference = _section(config["nav"], "Справочник API")
    reference += [{f"snippets.{p.stem}": f"reference/{p.stem}.md"} for p in modules()]
    for folder in ("snippets", "examples", "data"):
        config["watch"].append(str(ROOT / folder))
    return config


@event_priority(100)  # раньше mkdocs-jupyter: он должен увидеть ноутбуки
def _add_files(files, config, **kwargs):
    if os.environ.get("HB_PREVIEW"):
        return files
    worker = _worker_notebooks()
    if worker is not None:
        for p in worker:
            files.append(File.generated(config, f"practice/{p.name}", abs_src_path=str(p)))
        return files
    for p in notebooks():
        files.append(File.generated(config, f"practice/{p.name}", abs_src_path=str(p)))
    for p in modules():
        files.append(reference_file(p, config))
    return files


def reference_file(module: Path, config) -> File:
    """Страница reference/<m>.md — настоящий файл в .cache/ с датой изменения модуля.

    Файл, а не строка в памяти: ``mkdocs serve --dirty`` пересобирает страницу, только если её
    источник новее результата, — так страница API пересобирается лишь после правки модуля.
    """
    src_dir = ROOT / ".cache"
    path = src_dir / "reference" / f"{module.stem}.md"
    # Поиск не индексирует страницы API (их текст — код, который уже есть в главах): исключаем
    # их ещё до разбора HTML поисковым плагином, а не после (несколько секунд на каждой сборке).
    text = (f"---\nsearch:\n  exclude: true\n---\n\n"
            f"# snippets.{module.stem}\n\n::: snippets.{module.stem}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    mtime = module.stat().st_mtime
    os.utime(path, (mtime, mtime))
    return File(f"reference/{module.stem}.md", src_dir=str(src_dir), dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls)


@event_priority(-100)  # после mkdocs-jupyter
def _fix_notebook_paths(files, config, **kwargs):
    """mkdocs-jupyter оборачивает файл в NotebookFile, который вычисляет abs_src_path заново из
    src_dir (у сгенерированного файла его нет); возвращаем путь к настоящему examples/*.py."""
    for f in files:
        inner = getattr(f, "file", None)
        if inner is not None and inner.abs_src_path and f.src_uri.startswith("practice/"):
            f.abs_src_path = inner.abs_src_path
    return files


on_files = CombinedEvent(_add_files, _fix_notebook_paths)

HEADING_RE = re.compile(r'<h([1-6]) id="([^"]*)"([^>]*)>(.*?)</h\1>', re.DOTALL)
_slugify = slugs.slugify(case="lower")  # тот же slugify, что у страниц (mkdocs.yml, toc)


def on_page_content(html: str, page, **kwargs) -> str:
    """Якоря и оглавление страницы-ноутбука.

    nbconvert строит id заголовков, выбрасывая кириллицу (у «Перцептрон с нуля» id пустой), а
    mkdocs-jupyter строит оглавление своим slugify — ссылки оглавления и «Перейти к содержанию»
    вели бы в никуда. Пересчитываем id тем же slugify, что у остальных страниц, и оглавление — по
    ним.
    """
    if not (page.file.src_uri.startswith("practice/") and page.file.src_uri.endswith(".py")):
        return html
    tokens, seen = [], set()

    def fix(m: re.Match) -> str:
        level, old, attrs, inner = m.groups()
        name = re.sub(r"<[^>]+>|¶", "", inner).strip()
        anchor = base = _slugify(name, "-") or f"h{len(seen) + 1}"
        n = 1
        while anchor in seen:
            anchor, n = f"{base}_{n}", n + 1
        seen.add(anchor)
        if int(level) <= 3:
            tokens.append({"level": int(level), "id": anchor, "name": name, "children": []})
        inner = inner.replace(f'href="#{old}"', f'href="#{anchor}"')
        return f'<h{level} id="{anchor}"{attrs}>{inner}</h{level}>'

    html = HEADING_RE.sub(fix, html)
    page.toc = get_toc(tokens)
    # jupytext даёт ячейкам случайные id: нумеруем по порядку, чтобы сборки были одинаковыми.
    counter = iter(range(1, 10**6))
    return CELL_ID_RE.sub(lambda m: f'id="nb-cell-{next(counter)}"', html)


CELL_ID_RE = re.compile(r'id="cell-id=[0-9a-f]+"')
PRINT_LINK_RE = re.compile(r'href="#(practice|reference)-([\w-]+)"')


def on_post_build(config, **kwargs):
    """Ссылки печатной страницы на «Практику» и «Справочник API».

    Эти разделы в печатную книгу не входят (print-site: exclude), но print-site всё равно
    превращает ссылки на них в якоря внутри печатной страницы, которых там нет. Ведём их на
    настоящие страницы сайта.
    """
    path = Path(config["site_dir"]) / "print_page" / "index.html"
    if path.exists():
        html = PRINT_LINK_RE.sub(lambda m: f'href="../{m.group(1)}/{m.group(2)}/"',
                                 path.read_text(encoding="utf-8"))
        path.write_text(html, encoding="utf-8")
