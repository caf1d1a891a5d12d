"""Единый шаблон фигур справочника и вставка фигуры в страницу.

Фигура попадает в HTML как данные (JSON в атрибуте ``data-figure``), а рисует её
``docs/assets/js/figures.js``:
он подгружает локальный plotly.js один раз и только на страницах с фигурами,
перерисовывает фигуры после мгновенной навигации и при смене светлой/тёмной темы.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# Палитра, различимая в светлой и тёмной теме и при печати в оттенках серого.
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=13),
        colorway=COLORS,
        margin=dict(l=60, r=20, t=50, b=50),
        hovermode="closest",
        legend=dict(bgcolor="rgba(0,0,0,0)"),
        xaxis=dict(zeroline=False, showline=True, ticks="outside"),
        yaxis=dict(zeroline=False, showline=True, ticks="outside"),
    )
)
pio.templates["handbook"] = TEMPLATE


def new_figure(title: str, x_title: str = "", y_title: str = "", **layout) -> go.Figure:
    """Пустая фигура в стиле справочника с русскими подписями.

    >>> fig = new_figure("Заголовок", "ось x", "ось y")
    >>> fig.layout.title.text, fig.layout.xaxis.title.text
    ('Заголовок', 'ось x')
    """
    fig = go.Figure()
    fig.update_layout(template="handbook", title=dict(text=title), xaxis_title=x_title,
                      yaxis_title=y_title, **layout)
    return fig


def show(fig: go.Figure, div_id: str, alt: str | None = None, height: int = 420,
         measured: bool = False) -> str:
    """HTML-контейнер фигуры: JSON фигуры в атрибуте ``data-figure``.

    Не ``<script type="application/json">``: мгновенная навигация Material пересоздаёт
    встроенные скрипты и пытается выполнить JSON как JavaScript.

    ``div_id`` — стабильный id (сборки детерминированы); ``alt`` — текстовая
    альтернатива для чтения с экрана (по умолчанию заголовок фигуры). ``measured=True`` —
    фигура показывает живой замер (время): её данные меняются от сборки к сборке, и тест
    воспроизводимости сравнивает всё, кроме них.

    >>> out = show(new_figure("Тест"), "fig-test")
    >>> out.startswith('<div class="hb-figure" id="fig-test"')
    True
    >>> "data-figure='{" in out and "&quot;" not in out
    True
    >>> 'data-measured' in show(new_figure("Время"), "fig-t", measured=True)
    True
    """
    if not div_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"div_id должен быть из букв, цифр, '-' и '_': {div_id!r}")
    fig.update_layout(template="handbook")
    if fig.layout.height is None:
        fig.update_layout(height=height)
    alt = alt or (fig.layout.title.text or "Интерактивная фигура")
    # Атрибут в одинарных кавычках: кавычки JSON не раздуваются в &quot; (−20 % веса).
    payload = html.escape(compact_json(fig), quote=False).replace("'", "&#x27;")
    mark = ' data-measured="1"' if measured else ""
    caption = control_caption(fig)
    caption_html = f'<p class="hb-figure-caption">{html.escape(caption)}</p>' if caption else ""
    return (
        f'<div class="hb-figure" id="{div_id}" role="img" aria-label="{html.escape(alt)}" '
        f'style="min-height:{fig.layout.height}px"{mark} data-figure=\'{payload}\'>'
        f'<noscript>{html.escape(alt)}</noscript></div>{caption_html}'
    )


# Данные фигуры в HTML: атрибут data-figure='…' (для тестов и проверок собранного сайта).
FIGURE_ATTR_RE = re.compile(r"data-figure='([^']*)'")


def figures_in_html(text: str) -> list[dict]:
    """Фигуры (JSON) из HTML страницы.

    >>> [f["layout"]["title"]["text"] for f in figures_in_html(show(new_figure("Т"), "f"))]
    ['Т']
    """
    return [json.loads(html.unescape(raw)) for raw in FIGURE_ATTR_RE.findall(text)]


def _shrink(obj, digits: int):
    """Округляет числа JSON фигуры до ``digits`` значащих цифр; массивы float64 -> float32."""
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, list):
        return [_shrink(v, digits) for v in obj]
    if isinstance(obj, dict):
        if obj.get("dtype") == "f8" and isinstance(obj.get("bdata"), str):
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype="<f8").astype("<f4")
            return {**obj, "dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode()}
        return {k: _shrink(v, digits) for k, v in obj.items()}
    return obj


def compact_json(fig: go.Figure, digits: int = 4) -> str:
    """JSON фигуры с точностью, которую видит глаз: 4 значащие цифры, float32 в двоичных массивах.

    Фигура в 400 пикселей различает ~0,25 % диапазона, так что 4 цифры ничего не меняют на
    экране, а вес страницы падает в 2–3 раза.

    >>> f = new_figure("t"); _ = f.add_scatter(x=[0.123456789], y=[2/3])
    >>> '"x":[0.1235]' in compact_json(f) and '"y":[0.6667]' in compact_json(f)
    True
    """
    data = json.loads(fig.to_json(validate=False, pretty=False))
    return json.dumps(_shrink(data, digits), ensure_ascii=False, separators=(",", ":"))


def control_caption(fig: go.Figure) -> str:
    """Подпись к исследуемой фигуре для печати: какие значения принимает её элемент управления.

    На бумаге фигура видна в исходном состоянии, подпись перечисляет остальные.

    >>> f = explorable("t", "x", "y", "шаг", [0.1, 1.0],
    ...                lambda v: [go.Scatter(x=[0, 1], y=[0, v])], active=1)
    >>> control_caption(f)
    'Ползунок «шаг»: 0.1, 1 (на печати — 1).'
    """
    parts = []
    for slider in fig.layout.sliders or ():
        labels = [str(s.label) for s in slider.steps]
        name = (slider.currentvalue.prefix or "").strip().rstrip(":=").strip() or "значение"
        active = labels[slider.active or 0] if labels else ""
        parts.append(f"Ползунок «{name}»: {', '.join(labels)} (на печати — {active}).")
    for menu in fig.layout.updatemenus or ():
        labels = [str(b.label) for b in menu.buttons if b.label]
        if not labels:
            continue
        kind = "Кнопки" if menu.type == "buttons" else "Список"
        if menu.type == "buttons" or menu.active is None:
            parts.append(f"{kind}: {', '.join(labels)}.")
        else:
            parts.append(f"{kind}: {', '.join(labels)} (на печати — {labels[menu.active]}).")
    return " ".join(parts)


def explorable(title: str, x_title: str, y_title: str, param: str, values: Sequence,
               traces_for: Callable[[object], list], *, active: int = 0,
               label: Callable[[object], str] = lambda v: f"{v:g}" if isinstance(v, float) else str(v),
               title_for: Callable[[object], str] | None = None, static: Sequence = (),
               **layout) -> go.Figure:
    """Фигура с ползунком по параметру ``param``: для каждого значения — свои трассы.

    ``traces_for(v)`` возвращает трассы для значения ``v`` (их считает проверенный код);
    видны трассы активного значения и ``static`` (общий фон: контуры, истинная функция).
    ``frame_traces(fig, i)`` отдаёт трассы i-го значения — тест сравнивает их с прямым вызовом.

    >>> f = explorable("t", "x", "y", "k", [1, 2, 3], lambda k: [go.Scatter(x=[0], y=[k])])
    >>> [t.y for t in frame_traces(f, 2)], [t.visible for t in f.data]
    ([(3,)], [True, False, False])
    """
    fig = new_figure(title_for(values[active]) if title_for else title, x_title, y_title, **layout)
    for t in static:
        fig.add_trace(t)
    counts = []
    for i, v in enumerate(values):
        traces = list(traces_for(v))
        counts.append(len(traces))
        for t in traces:
            t.visible = i == active
            fig.add_trace(t)
    n_static = len(static)
    steps = []
    for i, v in enumerate(values):
        vis = [True] * n_static + [j == i for j, c in enumerate(counts) for _ in range(c)]
        args = [{"visible": vis}]
        if title_for:
            args.append({"title.text": title_for(v)})
        steps.append(dict(method="update", label=label(v), args=args))
    fig.update_layout(
        sliders=[dict(active=active, steps=steps, currentvalue=dict(prefix=f"{param}: "),
                      pad=dict(t=45))],
        meta=dict(hb_static=n_static, hb_counts=counts),
    )
    return fig


def frame_traces(fig: go.Figure, i: int) -> list:
    """Трассы i-го значения ползунка фигуры из ``explorable``."""
    meta = fig.layout.meta
    start = meta["hb_static"] + sum(meta["hb_counts"][:i])
    return list(fig.data[start:start + meta["hb_counts"][i]])


def same_traces(a: Sequence, b: Sequence) -> bool:
    """Трассы совпадают по данным (видимость не в счёт) — для тестов кадров.

    >>> same_traces([go.Scatter(y=[1])], [go.Scatter(y=[1], visible=False)])
    True
    """
    def strip(t):
        d = t.to_plotly_json()
        d.pop("visible", None)
        return json.dumps(d, sort_keys=True,
                          default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
    return len(a) == len(b) and all(strip(x) == strip(y) for x, y in zip(a, b))


def trace_types(fig: go.Figure) -> set[str]:
    """Типы трасс фигуры (для проверки, что их рисует наша сборка plotly.js).

    >>> f = new_figure("t"); _ = f.add_scatter(x=[0], y=[0]); trace_types(f)
    {'scatter'}
    """
    return {t.type for t in fig.data}


__all__ = [
    "COLORS",
    "FIGURE_ATTR_RE",
    "compact_json",
    "control_caption",
    "explorable",
    "figures_in_html",
    "frame_traces",
    "new_figure",
    "same_traces",
    "show",
    "trace_types",
]
