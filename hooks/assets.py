"""plotly.js для фигур: берётся из установленного пакета при сборке, в репозитории копии нет.

Файл кладётся в site/assets/js/plotly.min.js; грузит его docs/assets/js/figures.js и только
на страницах с фигурами. Если рядом лежит официальная уменьшенная сборка (vendor/), берётся она.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / "vendor" / "plotly.min.js"


def plotly_bundle() -> Path:
    """Путь к файлу plotly.js, который получит сайт."""
    if VENDORED.exists():
        return VENDORED
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def on_files(files, config, **kwargs):
    files.append(File.generated(config, "assets/js/plotly.min.js", abs_src_path=str(plotly_bundle())))
    return files
