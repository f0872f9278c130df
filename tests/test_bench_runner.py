"""``python -m bench`` runs each benchmark module in a process of its own, never skips a broken one
silently, and edits the benchmark documents safely."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pytest
from bench import __main__ as runner
from bench.common import BenchRow, format_table
from bench.load_test import Visit, TrainingReport, _p95, format_report


def test_every_bench_module_is_found() -> None:
    modules = runner.bench_modules()
    assert "bench_app" in modules
    assert all(name.startswith("bench_") for name in modules)
    assert modules == sorted(modules)


#: Fake benchmark modules, written as files so the runner's child processes can import them.
FAKE_MODULES = {
    "bench_good": """
from bench.common import BenchRow
def run():
    return [BenchRow("fake figure", 1.0, "s", "≤ 2 s", True, "fake baseline", 4.0)]
""",
    # Leaves an import behind, as a benchmark that imports TensorFlow does.
    "bench_leaves_an_import": """
import os, sys, types
from bench.common import BenchRow
sys.modules["annviz_bench_leftover"] = types.ModuleType("annviz_bench_leftover")
def run():
    return [BenchRow("pid", float(os.getpid()), "", "report", True)]
""",
    "bench_looks_for_it": """
import os, sys
from bench.common import BenchRow
def run():
    return [BenchRow("pid", float(os.getpid()), "", "report", True),
            BenchRow("sees the other's import", float("annviz_bench_leftover" in sys.modules), "", "= 0", True)]
""",
    "bench_broken": """
def run():
    raise RuntimeError("no | model here")
""",
    "bench_wrong": """
def run():
    return {"not": "rows"}
""",
    "bench_dies": """
import os
def run():
    os._exit(3)
""",
    "bench_hangs": """
import time
def run():
    time.sleep(60)
""",
    "bench_nan": """
from bench.common import BenchRow
def run():
    return [BenchRow("not measured", float("nan"), "", "report", False)]
""",
}


@pytest.fixture()
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A package of fake bench modules on the children's import path; returns its name."""
    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, source in FAKE_MODULES.items():
        (package / f"{name}.py").write_text(source)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return "fakebench"


def test_rows_come_back_from_the_child_process_intact(fake_package: str) -> None:
    (row,) = runner.run_module("bench_good", package=fake_package)
    assert row == BenchRow("fake figure", 1.0, "s", "≤ 2 s", True, "fake baseline", 4.0)
    assert row.ratio == 0.25
    (nan,) = runner.run_module("bench_nan", package=fake_package)
    assert math.isnan(nan.value) and not nan.ok


def test_each_module_runs_in_a_process_of_its_own(fake_package: str) -> None:
    (first,) = runner.run_module("bench_leaves_an_import", package=fake_package)
    second, sees = runner.run_module("bench_looks_for_it", package=fake_package)
    assert len({first.value, second.value, float(os.getpid())}) == 3
    assert sees.value == 0.0  # the first module's import stayed in its own process
    assert "annviz_bench_leftover" not in sys.modules


def test_a_failing_module_becomes_a_row_marked_no(fake_package: str) -> None:
    (broken,) = runner.run_module("bench_broken", package=fake_package)
    assert not broken.ok and math.isnan(broken.value)
    assert "bench_broken FAILED: RuntimeError: no / model here" in broken.name
    (wrong,) = runner.run_module("bench_wrong", package=fake_package)
    assert not wrong.ok and "TypeError" in wrong.name
    (missing,) = runner.run_module("bench_does_not_exist", package=fake_package)
    assert not missing.ok and "ModuleNotFoundError" in missing.name
    table = format_table([broken])
    assert table.count("|") == 2 * 7 + 7  # header, rule and the row keep 7 columns: no stray "|"
    assert table.splitlines()[-1].endswith("| NO |")


def test_a_module_whose_process_dies_or_hangs_becomes_a_row_marked_no(fake_package: str) -> None:
    (dead,) = runner.run_module("bench_dies", package=fake_package)
    assert not dead.ok and "bench_dies FAILED: its process exited with code 3" in dead.name
    # Had it been waited for, its run() would have returned None after 60 s: a TypeError row.
    (hung,) = runner.run_module("bench_hangs", package=fake_package, timeout_s=2)
    assert not hung.ok and "bench_hangs FAILED: timed out after 2 s" in hung.name


def test_readme_block_is_replaced_between_the_markers_only() -> None:
    readme = "# annviz\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\nmore\n"
    assert runner.replace_table_block(readme, "| new |") == (
        "# annviz\n\n<!-- bench:start -->\n| new |\n<!-- bench:end -->\n\nmore\n"
    )
    with pytest.raises(ValueError, match="bench:start"):
        runner.replace_table_block("# no markers\n", "| new |")


def test_unknown_module_names_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        runner.main(["bench_nope"])
    assert "no such benchmark module" in capsys.readouterr().err


def test_load_report_percentiles_and_errors() -> None:
    assert _p95([float(i) for i in range(1, 101)]) == 95.0
    assert _p95([3.0]) == 3.0
    visits = [Visit(s, "Overview", 1.0 + s, []) for s in range(10)] + [Visit(0, "8 · Metrics", 2.0, ["traceback: boom"])]
    report = format_report(visits, TrainingReport(status="cap holds"), 12.0, 500 * 2**20, 10)
    assert "| Overview | 10 | 5.50 s | 10.00 s | 10.00 s | 0 |" in report
    assert "| **all pages** | 11 |" in report and report.splitlines()[-1] == "- 1× 8 · Metrics: traceback: boom (sessions 0)"
