"""Charts drawn on the server as SVG, so the statistics need no script: the pie chart of
tracked social shares. Each slice carries its label and number as a <title>, and the
page shows the same numbers as a legend, so nothing is told by colour alone."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SIZE = 160
RADIUS = 70
CENTRE = SIZE / 2


@dataclass(frozen=True)
class Slice:
    key: str
    label: str
    value: int
    colour: str

    def percent(self, total: int) -> float:
        return round(self.value * 100 / total, 1) if total else 0.0


def _point(fraction: float) -> tuple[float, float]:
    """The point on the circle `fraction` of the way round, clockwise from the top."""
    angle = 2 * math.pi * fraction - math.pi / 2
    return round(CENTRE + RADIUS * math.cos(angle), 2), round(CENTRE + RADIUS * math.sin(angle), 2)


def pie_svg(slices: list[Slice], *, title: str, empty: str) -> SafeString:
    """An SVG pie of the slices (those of value 0 are left out); `empty` is shown as the
    chart's title when every value is 0."""
    total = sum(part.value for part in slices)
    shown = [part for part in slices if part.value > 0]
    if not shown:
        shapes = format_html(
            '<circle cx="{0}" cy="{0}" r="{1}" fill="#e5e7eb"><title>{2}</title></circle>',
            CENTRE,
            RADIUS,
            empty,
        )
    elif len(shown) == 1:  # an arc cannot go all the way round
        only = shown[0]
        shapes = format_html(
            '<circle cx="{0}" cy="{0}" r="{1}" fill="{2}"><title>{3}: {4} (100 %)</title></circle>',
            CENTRE,
            RADIUS,
            only.colour,
            only.label,
            only.value,
        )
    else:
        paths = []
        start = 0.0
        for part in shown:
            end = start + part.value / total
            (x1, y1), (x2, y2) = _point(start), _point(end)
            large = 1 if end - start > 0.5 else 0
            paths.append(
                (
                    f"M {CENTRE} {CENTRE} L {x1} {y1} A {RADIUS} {RADIUS} 0 {large} 1 {x2} {y2} Z",
                    part.colour,
                    part.label,
                    part.value,
                    part.percent(total),
                )
            )
            start = end
        shapes = format_html_join(
            "",
            '<path d="{}" fill="{}" stroke="#fff" stroke-width="1"><title>{}: {} ({} %)</title>'
            "</path>",
            paths,
        )
    return format_html(
        '<svg class="pie" viewBox="0 0 {0} {0}" width="{0}" height="{0}" role="img" '
        'aria-label="{1}" xmlns="http://www.w3.org/2000/svg">{2}</svg>',
        SIZE,
        title,
        shapes,
    )
