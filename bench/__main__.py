"""``python -m bench``: run every ``bench/bench_*.py`` and print one Markdown table.

    python -m bench                    # every benchmark module, in name order
    python -m bench bench_app bench_x  # only these modules
    python -m bench --readme           # also put the table between README's bench markers

A module that fails to import or whose ``run()`` raises is not skipped: it becomes a row
marked NO with its error. The table is also written to ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import time
import traceback
from pathlib import Path

from bench.common import BenchRow, format_table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "latest.md"
README = BENCH_DIR.parent / "README.md"
START_MARKER = "<!-- bench:start -->"
END_MARKER = "<!-- bench:end -->"


def bench_modules() -> list[str]:
    """Names of the benchmark modules (``bench_*.py``), in name order."""
    return sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))


def failure_row(module: str, error: BaseException) -> BenchRow:
    message = " ".join(f"{type(error).__name__}: {error}".split())[:160].replace("|", "/")
    return BenchRow(f"{module} FAILED: {message}", math.nan, "", "runs", False)


def run_module(module: str) -> list[BenchRow]:
    """The rows of one module's ``run()``, or one failure row."""
    try:
        rows = importlib.import_module(f"bench.{module}").run()
        if not isinstance(rows, list) or not all(isinstance(row, BenchRow) for row in rows):
            raise TypeError(f"run() returned {type(rows).__name__}, not list[BenchRow]")
        if not rows:
            raise ValueError("run() returned no rows")
        return rows
    except Exception as error:  # one broken benchmark must not hide the others
        traceback.print_exc(file=sys.stderr)
        return [failure_row(module, error)]


def replace_readme_block(readme: str, table: str, start_marker: str = START_MARKER, end_marker: str = END_MARKER) -> str:
    """README text with the table between the markers (which must both be present).

    >>> replace_readme_block("a\\n<!-- bench:start -->\\nold\\n<!-- bench:end -->\\nb", "| t |")
    'a\\n<!-- bench:start -->\\n| t |\\n<!-- bench:end -->\\nb'
    """
    start, end = readme.find(start_marker), readme.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"README.md needs a {start_marker} ... {end_marker} block for the table.")
    return readme[: start + len(start_marker)] + "\n" + table + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="bench_* modules to run (default: all)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)

    known = bench_modules()
    unknown = [name for name in args.modules if name not in known]
    if unknown:
        parser.error(f"no such benchmark module(s): {', '.join(unknown)}; known: {', '.join(known)}")
    rows: list[BenchRow] = []
    for module in args.modules or known:
        started = time.perf_counter()
        print(f"running {module} ...", file=sys.stderr, flush=True)
        rows += run_module(module)
        print(f"  {module}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    table = format_table(rows)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n")
    if args.readme:
        try:
            README.write_text(replace_readme_block(README.read_text(), table))
        except (OSError, ValueError) as error:
            print(f"README not updated: {error}", file=sys.stderr)
            return 2
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
