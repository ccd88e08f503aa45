"""Line plots and event timelines as inline SVG text, drawn from the numbers alone (no plotting library).

A plot maps data to pixels with two linear maps: steps to x (left to right) and values to y (bottom
to top, so larger values sit higher). Non-finite values break the line (a gap) and are flagged with a
red triangle on the top edge; every plot of one report shares the same step range so they line up.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
NONFINITE_COLOR = "#d62728"
SEVERITY_COLORS = {"info": "#1f77b4", "warning": "#ff9800", "error": "#d62728", "critical": "#7b1fa2"}
MAX_POINTS = 1200  # per series; longer series are thinned (min and max of each bucket kept, so spikes survive)


@dataclass(frozen=True)
class Frame:
    """Pixel geometry of a plot: the drawing area is [left, width - right] x [top, height - bottom]."""

    width: int = 600
    height: int = 220
    left: int = 60
    right: int = 16
    top: int = 26
    bottom: int = 30

    @property
    def x_range(self) -> tuple[float, float]:
        return (self.left, self.width - self.right)

    @property
    def y_range(self) -> tuple[float, float]:
        return (self.height - self.bottom, self.top)  # pixel y grows downwards: the lowest value is at the bottom


@dataclass
class Line:
    """One curve: (step, value) points, a legend name and a colour."""

    name: str
    points: list[tuple[float, float]]
    color: str = PALETTE[0]


@dataclass
class Event:
    """A vertical marker at `step` (e.g. a doctor finding), with a hover text."""

    step: float
    color: str
    title: str


def linear_map(value: float, domain: tuple[float, float], pixels: tuple[float, float]) -> float:
    """`value` in `domain` to the matching position in `pixels` (a degenerate domain maps to the middle)."""
    low, high = domain
    if high == low:
        return (pixels[0] + pixels[1]) / 2
    return pixels[0] + (value - low) / (high - low) * (pixels[1] - pixels[0])


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A tick spacing of 1, 2 or 5 times a power of ten, the one nearest to `span / (target_ticks - 1)`."""
    raw = span / max(target_ticks - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple, upper in ((1, 1.5), (2, 3.5), (5, 7.5)):
        if raw / magnitude < upper:
            return multiple * magnitude
    return 10 * magnitude


def nice_domain(values: list[float]) -> tuple[float, float]:
    """The finite values' range widened to whole tick steps (a constant gets ±1, or ±10% of itself)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return (0.0, 1.0)
    low, high = min(finite), max(finite)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low)
    return (math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step)


def ticks(domain: tuple[float, float], target_ticks: int = 5) -> list[float]:
    low, high = domain
    if high <= low:
        return [low]
    step = nice_step(high - low, target_ticks)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def tick_label(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"


def thin(points: list[tuple[float, float]], max_points: int = MAX_POINTS) -> list[tuple[float, float]]:
    """At most about `max_points` points: each bucket keeps its lowest and highest finite value (in step
    order) and every non-finite one, so a thinned curve still shows each spike and each gap."""
    if len(points) <= max_points:
        return points
    bucket_size = math.ceil(len(points) / (max_points // 2))
    kept = []
    for start in range(0, len(points), bucket_size):
        bucket = points[start:start + bucket_size]
        finite = [p for p in bucket if math.isfinite(p[1])]
        chosen = {min(finite, key=lambda p: p[1]), max(finite, key=lambda p: p[1])} if finite else set()
        chosen.update(p for p in bucket if not math.isfinite(p[1]))
        kept.extend(sorted(chosen))
    return kept


def path_data(points: list[tuple[float, float]], x_domain, y_domain, frame: Frame) -> str:
    """SVG path commands: `M` starts a segment after each gap, `L` continues it; a lone point is a dot (`h0`)."""
    commands, segment = [], []

    def close_segment():
        if len(segment) == 1:
            commands.append(f"M{segment[0]}h0")
        elif segment:
            commands.append("M" + segment[0] + "".join("L" + xy for xy in segment[1:]))
        segment.clear()

    for step, value in points:
        if not math.isfinite(value):
            close_segment()
            continue
        x = linear_map(step, x_domain, frame.x_range)
        y = linear_map(value, y_domain, frame.y_range)
        segment.append(f"{x:.1f},{y:.1f}")
    close_segment()
    return "".join(commands)


def lone_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Finite points with no finite neighbour on either side (drawn as dots, since no line reaches them)."""
    finite = [math.isfinite(value) for _, value in points]
    return [point for k, point in enumerate(points) if finite[k]
            and not (k > 0 and finite[k - 1]) and not (k + 1 < len(points) and finite[k + 1])]


def line_plot(lines: list[Line], x_domain: tuple[float, float] | None = None,
              y_domain: tuple[float, float] | None = None, events: list[Event] = (),
              frame: Frame = Frame(), label: str = "") -> str:
    """An SVG line plot of `lines` over shared axes, with a legend, gaps at NaN/Inf and event markers."""
    all_points = [p for line in lines for p in line.points]
    steps = [s for s, _ in all_points]
    x_domain = x_domain or ((min(steps), max(steps)) if steps else (0, 1))
    y_domain = y_domain or nice_domain([v for _, v in all_points])
    parts = [f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
             f'width="{frame.width}" height="{frame.height}" role="img" aria-label="{escape(label)}">',
             _axes(x_domain, y_domain, frame)]
    parts += [_event_line(event, x_domain, frame) for event in events]
    for line in lines:
        shown = thin(line.points)
        parts.append(f'<path class="series" data-name="{escape(line.name)}" fill="none" stroke="{line.color}" '
                     f'stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round" '
                     f'd="{path_data(shown, x_domain, y_domain, frame)}"/>')
        parts += [f'<circle cx="{linear_map(step, x_domain, frame.x_range):.1f}" '
                  f'cy="{linear_map(value, y_domain, frame.y_range):.1f}" r="2.5" fill="{line.color}"/>'
                  for step, value in lone_points(shown)]  # a dot between two gaps would be hard to see
        parts += [_nonfinite_marker(line.name, step, value, x_domain, frame)
                  for step, value in shown if not math.isfinite(value)]
    parts.append(_legend(lines, frame))
    parts.append("</svg>")
    return "".join(parts)


def timeline(events: list[Event], x_domain: tuple[float, float], frame: Frame = Frame(height=70, top=14)) -> str:
    """Events as dots on a step axis aligned with the line plots (same x mapping)."""
    parts = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
             f'width="{frame.width}" height="{frame.height}" role="img" aria-label="doctor findings over steps">']
    baseline = frame.height - frame.bottom
    x0, x1 = frame.x_range
    parts.append(f'<line x1="{x0}" y1="{baseline}" x2="{x1}" y2="{baseline}" stroke="#888"/>')
    for tick in ticks(x_domain, 6):
        x = linear_map(tick, x_domain, frame.x_range)
        parts.append(f'<text x="{x:.1f}" y="{baseline + 16}" font-size="11" text-anchor="middle" fill="#555">'
                     f'{tick_label(tick)}</text>')
    for event in events:
        x = linear_map(event.step, x_domain, frame.x_range)
        parts.append(f'<circle cx="{x:.1f}" cy="{baseline - 12}" r="6" fill="{event.color}" fill-opacity="0.8">'
                     f'<title>{escape(event.title)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _axes(x_domain, y_domain, frame: Frame) -> str:
    x0, x1 = frame.x_range
    y_bottom, y_top = frame.y_range
    parts = [f'<rect x="{x0}" y="{y_top}" width="{x1 - x0}" height="{y_bottom - y_top}" fill="#fafafa" stroke="#ccc"/>']
    for tick in ticks(y_domain):
        y = linear_map(tick, y_domain, frame.y_range)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#e4e4e4"/>'
                     f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#555">'
                     f'{tick_label(tick)}</text>')
    for tick in ticks(x_domain, 6):
        x = linear_map(tick, x_domain, frame.x_range)
        parts.append(f'<line x1="{x:.1f}" y1="{y_bottom}" x2="{x:.1f}" y2="{y_bottom + 4}" stroke="#888"/>'
                     f'<text x="{x:.1f}" y="{y_bottom + 17}" font-size="11" text-anchor="middle" fill="#555">'
                     f'{tick_label(tick)}</text>')
    return "".join(parts)


def _legend(lines: list[Line], frame: Frame) -> str:
    parts, x = [], frame.left
    for line in lines:
        parts.append(f'<line x1="{x}" y1="13" x2="{x + 18}" y2="13" stroke="{line.color}" stroke-width="3"/>'
                     f'<text x="{x + 23}" y="17" font-size="12" fill="#222">{escape(line.name)}</text>')
        x += 36 + 7 * len(line.name)
    return "".join(parts)


def _event_line(event: Event, x_domain, frame: Frame) -> str:
    x = linear_map(event.step, x_domain, frame.x_range)
    y_bottom, y_top = frame.y_range
    return (f'<line class="event" x1="{x:.1f}" y1="{y_top}" x2="{x:.1f}" y2="{y_bottom}" stroke="{event.color}" '
            f'stroke-dasharray="4 3" stroke-opacity="0.7"><title>{escape(event.title)}</title></line>')


def _nonfinite_marker(name: str, step: float, value: float, x_domain, frame: Frame) -> str:
    x = linear_map(step, x_domain, frame.x_range)
    y = frame.top
    return (f'<path class="nonfinite" fill="{NONFINITE_COLOR}" d="M{x - 5:.1f},{y}L{x + 5:.1f},{y}L{x:.1f},{y + 8}Z">'
            f'<title>{escape(name)} = {value} at step {tick_label(step)}</title></path>')
