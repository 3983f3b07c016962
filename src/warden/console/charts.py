"""Server-side SVG line charts for the trend pages (no script, no CDN): a few series over time."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#475569")


def line_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
               width: int = 720, height: int = 240, percent: bool = False) -> Markup:
    """An accessible SVG (role=img, a title and a description listing the last values)."""
    pad_l, pad_r, pad_t, pad_b = 48, 160, 16, 28
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max((max(values, default=0.0) for _, values in series), default=0.0) or 1.0
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return pad_l + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return pad_t + plot_h - plot_h * v / top

    def fmt(v: float) -> str:
        return f"{v * 100:.1f}%" if percent else f"{v:g}"

    desc = "; ".join(f"{name}: {fmt(values[-1]) if values else 'none'} in the last period" for name, values in series)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>',
             f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{pad_l + plot_w}" y2="{pad_t + plot_h}" stroke="#888"/>',
             f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + plot_h}" stroke="#888"/>',
             f'<text x="{pad_l - 4}" y="{pad_t + 4}" text-anchor="end" font-size="10">{escape(fmt(top))}</text>',
             f'<text x="{pad_l - 4}" y="{pad_t + plot_h}" text-anchor="end" font-size="10">0</text>']
    step = max(1, n // 7)
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="10">'
                         f'{escape(label)}</text>')
    for k, (name, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        ly = pad_t + 12 + 16 * k
        parts.append(f'<rect x="{width - pad_r + 10}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{width - pad_r + 26}" y="{ly}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
