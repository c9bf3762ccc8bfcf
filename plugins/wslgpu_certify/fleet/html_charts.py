"""The pictures of fleet.html, as inline SVG (no script, no external file): the verdict bar and
the GPU performance spread per model."""

from __future__ import annotations

from html import escape

from .verdicts import VERDICTS

ROW, LEFT, WIDTH = 34, 230, 900


def verdict_bar(counts: dict[str, int]) -> str:
    """One bar, a segment per verdict (worst first) as wide as its share; each segment names its count."""
    total = sum(counts.values()) or 1
    parts, x = [], 0.0
    for name, verdict in VERDICTS.items():
        n = counts.get(name, 0)
        if not n:
            continue
        w = WIDTH * n / total
        parts.append(f'<g class="seg" data-v="{escape(name)}"><rect x="{x:.1f}" y="0" width="{max(w, 1):.1f}" height="28" '
                     f'fill="{verdict.colour}"><title>{escape(name)}: {n} of {total}</title></rect>'
                     + (f'<text x="{x + w / 2:.1f}" y="19" text-anchor="middle" fill="#fff" font-size="13">{n}</text>' if w > 30 else "")
                     + "</g>")
        x += w
    return (f'<svg id="verdict-bar" role="img" aria-label="machines per verdict" viewBox="0 0 {WIDTH} 28" '
            f'width="100%" height="28" preserveAspectRatio="none">{"".join(parts)}</svg>')


def performance_spread(spread, tolerance: float) -> str:
    """Per GPU model: the box (quartiles), whiskers (min..max), the fleet median, the suite's baseline
    (a dashed tick), and a dot per machine slower than the median by more than the tolerance."""
    if not spread:
        return "<p>No machine reported an nbody GFLOP/s figure.</p>"
    top = max(max(m.gflops[-1][0], m.baseline or 0) for m in spread.values()) * 1.05 or 1.0
    scale = (WIDTH - LEFT - 20) / top
    rows = []
    for i, model in enumerate(spread.values()):
        y = 10 + i * ROW
        low, q1, mid, q3, high = (LEFT + v * scale for v in model.quartiles())
        slow = [(g, m) for g, m in model.gflops if g < model.median * (1 - tolerance)]
        rows.append(
            f'<g class="model" data-model="{escape(model.model)}">'
            f'<text x="{LEFT - 8}" y="{y + 15}" text-anchor="end" font-size="13">{escape(model.model)} ({len(model.gflops)})</text>'
            f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{y + 11}" y2="{y + 11}" stroke="#555"/>'
            f'<rect x="{q1:.1f}" y="{y + 2}" width="{max(q3 - q1, 1):.1f}" height="18" fill="#90caf9" stroke="#1565c0">'
            f'<title>{escape(model.model)}: median {model.median:.0f} GFLOP/s, {len(model.gflops)} machines</title></rect>'
            f'<line class="median" x1="{mid:.1f}" x2="{mid:.1f}" y1="{y}" y2="{y + 22}" stroke="#0d47a1" stroke-width="3"/>'
            + (f'<line class="baseline" x1="{LEFT + model.baseline * scale:.1f}" x2="{LEFT + model.baseline * scale:.1f}" '
               f'y1="{y - 2}" y2="{y + 24}" stroke="#2e7d32" stroke-width="2" stroke-dasharray="4 2">'
               f'<title>baseline {model.baseline:.0f} GFLOP/s</title></line>' if model.baseline else "")
            + "".join(f'<circle class="slow" cx="{LEFT + g * scale:.1f}" cy="{y + 11}" r="4" fill="#c62828">'
                      f'<title>{escape(m)}: {g:.0f} GFLOP/s</title></circle>' for g, m in slow)
            + "</g>")
    axis_y = 10 + len(spread) * ROW
    ticks = "".join(f'<line x1="{LEFT + t * scale:.1f}" x2="{LEFT + t * scale:.1f}" y1="{axis_y}" y2="{axis_y + 5}" stroke="#555"/>'
                    f'<text x="{LEFT + t * scale:.1f}" y="{axis_y + 18}" text-anchor="middle" font-size="12">{t:.0f}</text>'
                    for t in (top * k / 5 for k in range(6)))
    return (f'<svg id="gpu-spread" role="img" aria-label="nbody GFLOP/s per GPU model" viewBox="0 0 {WIDTH} {axis_y + 26}" '
            f'width="{WIDTH}">{"".join(rows)}<line x1="{LEFT}" x2="{WIDTH - 20}" y1="{axis_y}" y2="{axis_y}" stroke="#555"/>'
            f'{ticks}</svg><p class="legend">Box: the middle half of the model\'s machines; thick line: fleet median; '
            f'dashed green: the suite\'s baseline; red dots: machines more than {tolerance:.0%} below their model\'s median.</p>')
