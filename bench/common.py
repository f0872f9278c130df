"""The one row format every benchmark returns, and the table ``python -m bench`` prints.

Targets are checked as ratios against a baseline measured in the same run where a
baseline exists (a bare ``model.fit``, an empty Streamlit script, ...); absolute
figures are reported beside them, honestly, for this 2-core machine.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class BenchRow:
    """One measured figure with its target.

    ``value`` is in ``unit``; ``baseline`` (same unit, same run) and ``ratio`` =
    value / baseline are filled where a baseline exists; ``ok`` says whether
    ``target`` was met.
    """

    name: str
    value: float
    unit: str
    target: str
    ok: bool
    baseline_name: str = ""
    baseline: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline else self.value / self.baseline


def median_seconds(fn: Callable[[], object], *, repeats: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def format_table(rows: list[BenchRow]) -> str:
    """A Markdown table of the rows, ready to paste into a Markdown document."""
    lines = [
        "| benchmark | measured | baseline | ratio | target | met |",
        "| --- | ---: | ---: | ---: | --- | :---: |",
    ]
    for row in rows:
        baseline = f"{row.baseline:.3g} {row.unit} ({row.baseline_name})" if row.baseline is not None else ""
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        lines.append(
            f"| {row.name} | {row.value:.3g} {row.unit} | {baseline} | {ratio} | {row.target} | {'yes' if row.ok else 'NO'} |"
        )
    return "\n".join(lines)
