"""Dashboard charts: SVG drawn on the server with pygal, sent inside the page.

Pages carry no charting JavaScript: pygal's scripts are switched off (`js=[]`) and each point
gets a native SVG `<title>`, the browser's own tooltip. pygal's embedded `<style>` is removed
too (the Content-Security-Policy allows no inline styles, and the app's stylesheet colours the
charts from its own light and dark tokens: see `.chart` in app.css), as are the hidden
tooltip box (an inline style) and the per-render random id, so a chart is the same bytes for
the same numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from markupsafe import Markup

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
_NS = f"{{{SVG}}}"


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a chart and the words its tooltip shows."""

    value: float | None
    tip: str


HALF = 540  # a chart beside another (its text is drawn about the size of the page's)
WIDE = 980  # a chart across the page


def _integer_labels(values: Sequence[float | None]) -> list[int]:
    """Whole-number ticks for counts (pygal would draw 0.2, 0.4…)."""
    top = max([int(v) for v in values if v is not None] + [1])
    step = max(1, -(-top // 5))
    return list(range(0, top + step, step))


def _config(kind: type[Any], labels: Sequence[str], width: int, **extra: Any) -> Any:
    # Long series show every nth label only; their tooltips still name each point.
    every = max(1, len(labels) // (12 if width == WIDE else 6))
    chart = kind(
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        width=width,
        height=round(width * 0.3) if width == WIDE else 240,
        show_legend=False,
        show_x_guides=False,
        show_minor_x_labels=every == 1,
        x_labels_major_every=every,
        truncate_label=-1,
        margin=8,
        spacing=8,
        dots_size=2 if len(labels) > 40 else 3,
        include_x_axis=True,
        **extra,
    )
    chart.x_labels = list(labels)
    return chart


def _points(points: Sequence[Point]) -> list[dict[str, Any] | None]:
    return [None if p.value is None else {"value": p.value, "label": p.tip} for p in points]


def line(
    title: str,
    labels: Sequence[str],
    series: Sequence[Sequence[Point]],
    *,
    width: int = HALF,
    integer: bool = False,
) -> Markup:
    """A line per series (colours in order), a point per label."""
    extra = {"y_labels": _integer_labels([p.value for s in series for p in s])} if integer else {}
    chart = _config(pygal.Line, labels, width, **extra)
    for n, points in enumerate(series):
        chart.add(str(n), _points(points))
    return _clean(chart.render(is_unicode=True), title)


def bars(title: str, labels: Sequence[str], points: Sequence[Point]) -> Markup:
    """Counts as bars (whole-number ticks)."""
    chart = _config(pygal.Bar, labels, HALF, y_labels=_integer_labels([p.value for p in points]))
    chart.add("0", _points(points))
    return _clean(chart.render(is_unicode=True), title)


@dataclass(frozen=True, slots=True)
class Step:
    """A waterfall column: a total (drawn from 0) or a change (drawn from the running sum)."""

    label: str
    amount: float
    tip: str
    total: bool = False


def waterfall(
    title: str, steps: Sequence[Step], *, major_labels: Sequence[str] | None = None
) -> Markup:
    """Start, the changes one after another (up in green, down in red), end; with
    `major_labels`, the axis names those columns only (the others keep their tooltips).

    pygal has no waterfall: this is a stacked bar whose first series, the running sum
    below each change, is drawn invisible (`.chart-waterfall .serie-0` in app.css)."""
    base: list[float] = []
    totals: list[Point] = []
    ups: list[Point] = []
    downs: list[Point] = []
    running = 0.0
    for step in steps:
        nothing = Point(None, "")
        if step.total:
            running = step.amount
            base.append(0)
            totals.append(Point(step.amount, step.tip))
            ups.append(nothing)
            downs.append(nothing)
        elif step.amount >= 0:
            base.append(running)
            running += step.amount
            totals.append(nothing)
            ups.append(Point(step.amount, step.tip))
            downs.append(nothing)
        else:
            running += step.amount
            base.append(running)
            totals.append(nothing)
            ups.append(nothing)
            downs.append(Point(-step.amount, step.tip))
    chart = _config(pygal.StackedBar, [s.label for s in steps], WIDE)
    if major_labels is not None:
        chart.x_labels_major_every = None  # it would win over the named labels
        chart.x_labels_major = list(major_labels)
        chart.show_minor_x_labels = False
    # The highest a column reaches (a change stacks on its base): pygal's own range can
    # stop below it and cut the column's top off.
    tops = [b + (p.value or 0) for b, p in zip(base, ups, strict=True)]
    tops += [p.value or 0 for p in totals] + [
        b + (p.value or 0) for b, p in zip(base, downs, strict=True)
    ]
    if tops and max(tops) > 0:
        chart.range = (0, max(tops) * 1.05)
    chart.add("base", base)
    for points in (totals, ups, downs):
        chart.add("step", _points(points))
    return _clean(chart.render(is_unicode=True), title)


def _dropped(element: ET.Element, top: bool) -> bool:
    """pygal's style and scripts, its own "Pygal" title and its JavaScript tooltip box."""
    tag = element.tag
    if tag in (f"{_NS}defs", f"{_NS}script") or (tag == f"{_NS}title" and top):
        return True
    return tag == f"{_NS}g" and "tooltip-overlay" in element.get("class", "")


def _clean(svg: str, title: str) -> Markup:
    """pygal's SVG without its style, scripts, tooltip box and random id, with a `<title>`
    on every point (its label) and an accessible name for the whole chart."""
    root = ET.fromstring(svg)  # noqa: S314 (pygal's own output, not received input)
    root.attrib.pop("id", None)
    root.set("role", "img")
    root.set("aria-label", title)
    for parent in list(root.iter()):
        for child in list(parent):
            if _dropped(child, parent is root):
                parent.remove(child)
    for group in root.iter(f"{_NS}g"):
        if group.get("class") not in ("dots", "bar"):
            continue
        label = next(
            (d.text for d in group.findall(f"{_NS}desc") if d.get("class") == "label"), None
        )
        for desc in group.findall(f"{_NS}desc"):
            group.remove(desc)
        if label:
            ET.SubElement(group, f"{_NS}title").text = label
    heading = ET.Element(f"{_NS}title")
    heading.text = title
    root.insert(0, heading)
    return Markup(ET.tostring(root, encoding="unicode"))  # noqa: S704 (escaped by ElementTree)
