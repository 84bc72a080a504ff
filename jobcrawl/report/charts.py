"""Bar and line charts as inline SVG, drawn in Python: no script, no library, nothing fetched.

Every chart is an HTML `<figure class="chart" id=...>` holding one `<svg>` and a
legend list. Marks carry classes that tests and stylesheets can find: `bar`
(one `<rect>` per non-zero value), `line` (one `<polyline>` per unbroken run of
values), `point` (one `<circle>` per value), `legend-item`. Every label and
series name is HTML-escaped, inside SVG text and tooltips alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

# Okabe-Ito colours (told apart with the common colour-vision deficiencies), yellow left out.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#7f7f7f",
           "#000000")
WIDTH, HEIGHT = 760, 240
# RIGHT leaves room for half of the last x label.
LEFT, RIGHT, TOP, BOTTOM = 60, 40, 12, 40
MAX_LABELS = 8
# More points than this and the markers would hide the line: only isolated values get one.
MAX_MARKERS = 120


@dataclass(frozen=True)
class Series:
    """One named series of values, one per category; None where there is no value."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Axis:
    """The value axis: 0 to `top`, a gridline every `step`, labels formatted as percent or count."""

    top: float
    step: float
    percent: bool

    @classmethod
    def fit(cls, largest: float, *, percent: bool) -> Axis:
        """A 1-2-(2.5)-5 step with about four gridlines; counts get whole-number steps."""
        raw = largest / 4 if largest > 0 else (0.25 if percent else 1)
        magnitude = 10 ** math.floor(math.log10(raw))
        # 2.5 only where it cannot make a fractional count step.
        steps = (1, 2, 2.5, 5, 10) if percent or magnitude >= 10 else (1, 2, 5, 10)
        step = next(m * magnitude for m in steps if m * magnitude >= raw)
        if not percent:
            step = max(step, 1)
        return cls(step * max(1, math.ceil(largest / step - 1e-9)), step, percent)

    def ticks(self) -> list[float]:
        return [self.step * i for i in range(round(self.top / self.step) + 1)]

    def label(self, value: float) -> str:
        if self.percent:
            return f"{round(value * 100, 6):g}%"
        return f"{round(value):,}"


def bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
              stacked: bool, percent: bool = False, empty: str = "No data.") -> str:
    """Bars per category: stacked (one bar of all series) or grouped (a bar per series)."""
    if not labels or not series:
        return _empty(chart_id, title, empty)
    if stacked:
        largest = max(sum(s.values[i] or 0 for s in series) for i in range(len(labels)))
    else:
        largest = max((v or 0 for s in series for v in s.values), default=0)
    axis = Axis.fit(largest, percent=percent)
    band = (WIDTH - LEFT - RIGHT) / len(labels)
    marks: list[str] = []
    for i, label in enumerate(labels):
        base = 0.0
        for number, one in enumerate(series):
            value = one.values[i] or 0
            if value <= 0:
                continue
            if stacked:
                width, x = band * 0.7, LEFT + band * (i + 0.15)
            else:
                width = band * 0.8 / len(series)
                x = LEFT + band * 0.1 + band * i + width * number
            top, bottom = _y(base + value, axis), _y(base, axis)
            base = base + value if stacked else 0.0
            marks.append(
                f'<rect class="bar" data-series="{number}" x="{x:.2f}" y="{top:.2f}" '
                f'width="{max(width, 1):.2f}" height="{max(bottom - top, 0.5):.2f}" '
                f'fill="{colour(number)}"><title>{_tip(label, one.name, value, axis)}'
                "</title></rect>"
            )
    return _figure(chart_id, title, series, axis, labels, marks)


def line_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
               percent: bool = False, empty: str = "No data.") -> str:
    """A line per series over the categories, broken where a value is None."""
    if not labels or not series or all(v is None for s in series for v in s.values):
        return _empty(chart_id, title, empty)
    axis = Axis.fit(max(v or 0 for s in series for v in s.values), percent=percent)
    band = (WIDTH - LEFT - RIGHT) / len(labels)

    def x(i: int) -> float:
        return LEFT + band * (i + 0.5)

    markers = len(labels) <= MAX_MARKERS
    marks: list[str] = []
    for number, one in enumerate(series):
        for segment in _segments(one.values):
            if len(segment) > 1:
                points = " ".join(f"{x(i):.2f},{_y(one.values[i] or 0, axis):.2f}"
                                  for i in segment)
                marks.append(f'<polyline class="line" data-series="{number}" points="{points}" '
                             f'fill="none" stroke="{colour(number)}" stroke-width="2"/>')
            if markers or len(segment) == 1:
                marks.extend(
                    f'<circle class="point" data-series="{number}" cx="{x(i):.2f}" '
                    f'cy="{_y(one.values[i] or 0, axis):.2f}" r="3.5" fill="{colour(number)}">'
                    f"<title>{_tip(labels[i], one.name, one.values[i] or 0, axis)}</title>"
                    "</circle>"
                    for i in segment
                )
    return _figure(chart_id, title, series, axis, labels, marks)


def colour(number: int) -> str:
    """The colour of the series at `number` (the palette repeats past its end)."""
    return PALETTE[number % len(PALETTE)]


def _y(value: float, axis: Axis) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / axis.top)


def _segments(values: Sequence[float | None]) -> list[list[int]]:
    """Indexes of the unbroken runs of values that are not None."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _tip(label: str, name: str, value: float, axis: Axis) -> str:
    shown = f"{value * 100:.2f}%" if axis.percent else f"{round(value):,}"
    return escape(f"{label} \N{EM DASH} {name}: {shown}")


def _figure(chart_id: str, title: str, series: Sequence[Series], axis: Axis,
            labels: Sequence[str], marks: list[str]) -> str:
    heading = escape(chart_id) + "-title"
    svg = (
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{heading}">'
        + "".join(_grid(axis)) + "".join(_x_labels(labels))
        + f'<g class="marks">{"".join(marks)}</g></svg>'
    )
    legend = "".join(
        f'<li class="legend-item"><span class="swatch" style="background:{colour(number)}">'
        f"</span>{escape(one.name)}</li>"
        for number, one in enumerate(series)
    )
    return (f'<figure class="chart" id="{escape(chart_id)}">'
            f'<figcaption id="{heading}">{escape(title)}</figcaption>'
            f'{svg}<ul class="legend">{legend}</ul></figure>')


def _grid(axis: Axis) -> list[str]:
    lines = []
    for tick in axis.ticks():
        y = _y(tick, axis)
        lines.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.2f}" '
                     f'y2="{y:.2f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.2f}" '
                     f'text-anchor="end">{escape(axis.label(tick))}</text>')
    return lines


def _x_labels(labels: Sequence[str]) -> list[str]:
    band = (WIDTH - LEFT - RIGHT) / len(labels)
    every = math.ceil(len(labels) / MAX_LABELS)
    return [
        f'<text class="x-label" x="{LEFT + band * (i + 0.5):.2f}" y="{HEIGHT - BOTTOM + 18}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels) if i % every == 0
    ]


def _empty(chart_id: str, title: str, message: str) -> str:
    return (f'<figure class="chart empty" id="{escape(chart_id)}">'
            f"<figcaption>{escape(title)}</figcaption>"
            f'<p class="empty-note">{escape(message)}</p></figure>')
