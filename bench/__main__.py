"""``python -m bench``: run every ``bench/bench_*.py`` and print one Markdown table.

    python -m bench                    # every benchmark module, in name order
    python -m bench bench_app bench_x  # only these modules
    python -m bench --docs             # also put the table between docs/benchmarks.md's bench markers

Each module runs in a fresh interpreter of its own (``python -m bench --one MODULE``), so no
module measures with TensorFlow, caches or frozen objects another left behind: a row that says
"TensorFlow import included" includes it. The child writes its rows as JSON to a file the
parent names; its stdout goes to the parent's stderr, so only the table reaches stdout.

A module that fails to import, whose ``run()`` raises, whose process dies or outlives
``--timeout`` is not skipped: it becomes a row marked NO with its error. The table is also
written to ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.common import BenchRow, format_table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "latest.md"
#: The documents whose tables the benchmarks write (between their markers).
BENCH_DOC = BENCH_DIR.parent / "docs" / "benchmarks.md"
HOSTING_DOC = BENCH_DIR.parent / "docs" / "hosting.md"
START_MARKER = "<!-- bench:start -->"
END_MARKER = "<!-- bench:end -->"
#: Seconds a module's process may run before it is stopped and marked NO (the longest,
#: bench_training, takes about 6 minutes on 2 cores).
MODULE_TIMEOUT_S = 30 * 60.0
#: A child's stdout joins this process's stderr (file descriptor 2): only the table goes to stdout.
STDERR_FD = 2


def bench_modules() -> list[str]:
    """Names of the benchmark modules (``bench_*.py``), in name order."""
    return sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))


def failure_row(module: str, error: str) -> BenchRow:
    message = " ".join(error.split())[:160].replace("|", "/")
    return BenchRow(f"{module} FAILED: {message}", math.nan, "", "runs", False)


def rows_of(module: str, package: str = "bench") -> list[BenchRow]:
    """The rows of ``package.module``'s ``run()`` in this process, or one failure row."""
    try:
        rows = importlib.import_module(f"{package}.{module}").run()
        if not isinstance(rows, list) or not all(isinstance(row, BenchRow) for row in rows):
            raise TypeError(f"run() returned {type(rows).__name__}, not list[BenchRow]")
        if not rows:
            raise ValueError("run() returned no rows")
        return rows
    except Exception as error:  # one broken benchmark must not hide the others
        traceback.print_exc(file=sys.stderr)
        return [failure_row(module, f"{type(error).__name__}: {error}")]


def run_module(module: str, *, package: str = "bench", timeout_s: float = MODULE_TIMEOUT_S) -> list[BenchRow]:
    """The rows of one module, run in a fresh interpreter; one failure row if that process fails.

    The child gets a process group of its own, so a timeout also ends the servers and browsers
    it started.
    """
    with tempfile.TemporaryDirectory(prefix="annviz-bench-") as folder:
        out = Path(folder) / "rows.json"
        command = [sys.executable, "-m", "bench", "--one", module, "--package", package, "--rows-to", str(out)]
        child = subprocess.Popen(command, cwd=BENCH_DIR.parent, stdout=STDERR_FD, start_new_session=True)
        try:
            code = child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return [failure_row(module, f"timed out after {timeout_s:g} s")]
        finally:
            if child.poll() is None:  # interrupted while waiting: take the child's group with us
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if not out.is_file():
            return [failure_row(module, f"its process exited with code {code} before writing its rows")]
        return [BenchRow(**fields) for fields in json.loads(out.read_text())]


def write_rows(rows: list[BenchRow], path: Path) -> None:
    """The rows as JSON (NaN included, as Python's json writes it), for the parent to read."""
    path.write_text(json.dumps([dataclasses.asdict(row) for row in rows]))


def replace_table_block(document: str, table: str, start_marker: str = START_MARKER, end_marker: str = END_MARKER) -> str:
    """A document's text with the table between the markers (which must both be present).

    >>> replace_table_block("a\\n<!-- bench:start -->\\nold\\n<!-- bench:end -->\\nb", "| t |")
    'a\\n<!-- bench:start -->\\n| t |\\n<!-- bench:end -->\\nb'
    """
    start, end = document.find(start_marker), document.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"the document needs a {start_marker} ... {end_marker} block for the table.")
    return document[: start + len(start_marker)] + "\n" + table + "\n" + document[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="bench_* modules to run (default: all)")
    parser.add_argument("--docs", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--timeout", type=float, default=MODULE_TIMEOUT_S, help="seconds per module (default: %(default)g)")
    # The child's side of run_module: one module in this process, its rows to a JSON file.
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--package", default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--rows-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:
        write_rows(rows_of(args.one, args.package), args.rows_to)
        return 0
    known = bench_modules()
    unknown = [name for name in args.modules if name not in known]
    if unknown:
        parser.error(f"no such benchmark module(s): {', '.join(unknown)}; known: {', '.join(known)}")
    rows: list[BenchRow] = []
    for module in args.modules or known:
        started = time.perf_counter()
        print(f"running {module} ...", file=sys.stderr, flush=True)
        rows += run_module(module, timeout_s=args.timeout)
        print(f"  {module}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    table = format_table(rows)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n")
    if args.docs:
        try:
            BENCH_DOC.write_text(replace_table_block(BENCH_DOC.read_text(), table))
        except (OSError, ValueError) as error:
            print(f"docs/benchmarks.md not updated: {error}", file=sys.stderr)
            return 2
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
