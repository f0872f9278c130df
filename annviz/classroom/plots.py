"""What the projector shows of a class: the join QR code and the vote histogram.

>>> qr_png("https://annviz.example.org/class?join=ABCDEFGH")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
>>> figure = vote_figure(("faster", "slower", "never: it diverges"), [[3, 1, 8], [1, 0, 11]], right=2)
>>> [trace.name for trace in figure.data], list(figure.data[1].y)
(['First vote (12)', 'After discussion (12)'], [1, 0, 11])
"""

from __future__ import annotations

import io
import textwrap

import plotly.graph_objects as go

#: Bar colours: the first vote, the second, and the right answer once the demo ran.
ROUND_COLOURS = ("#9aa5b1", "#1f77b4")
RIGHT_COLOUR = "#2ca02c"
ROUND_NAMES = ("First vote", "After discussion")


def qr_png(link: str, *, scale: int = 10) -> bytes:
    """A QR code of ``link`` as PNG bytes, made offline (``segno``, error correction M, a 2-module border)."""
    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def vote_figure(choices: tuple[str, ...], rounds: list[list[int]], *, right: int | None = None) -> go.Figure:
    """One bar per choice and round (counts, with each bar's share); once the demo ran, the right
    choice's label gets a ✓ and its bars turn green."""
    labels = ["<br>".join(textwrap.wrap(("✓ " if index == right else "") + choice, 18)) for index, choice in enumerate(choices)]
    figure = go.Figure()
    for number, counts in enumerate(rounds):
        total = sum(counts)
        colours = [RIGHT_COLOUR if index == right else ROUND_COLOURS[number] for index in range(len(choices))]
        figure.add_bar(
            x=labels, y=counts, name=f"{ROUND_NAMES[number]} ({total})", marker_color=colours,
            opacity=0.55 if number == 0 and len(rounds) > 1 else 1.0,
            text=[f"{count} ({count / total:.0%})" if total else "0" for count in counts], textposition="outside",
        )
    top = max((max(counts) for counts in rounds if counts), default=0)
    figure.update_layout(barmode="group", height=300, margin=dict(l=10, r=10, t=30, b=10),
                         yaxis=dict(title="students", range=[0, max(top, 1) * 1.25], dtick=max(1, top // 5 or 1)),
                         legend=dict(orientation="h", y=1.12, x=0), showlegend=True)
    return figure
