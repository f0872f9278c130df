"""``python -m bench`` runs every benchmark module, never skips a broken one silently, and edits README safely."""

from __future__ import annotations

import math
import sys
import types

import pytest
from bench import __main__ as runner
from bench.common import BenchRow, format_table
from bench.load_test import Visit, TrainingReport, _p95, format_report


def test_every_bench_module_is_found() -> None:
    modules = runner.bench_modules()
    assert "bench_app" in modules
    assert all(name.startswith("bench_") for name in modules)
    assert modules == sorted(modules)


@pytest.fixture()
def fake_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    good = types.ModuleType("bench.bench_fake_good")
    good.run = lambda: [BenchRow("fake figure", 1.0, "s", "≤ 2 s", True)]  # type: ignore[attr-defined]
    broken = types.ModuleType("bench.bench_fake_broken")

    def explode() -> list[BenchRow]:
        raise RuntimeError("no | model here")

    broken.run = explode  # type: ignore[attr-defined]
    wrong = types.ModuleType("bench.bench_fake_wrong")
    wrong.run = lambda: {"not": "rows"}  # type: ignore[attr-defined]
    for module in (good, broken, wrong):
        monkeypatch.setitem(sys.modules, module.__name__, module)


def test_a_failing_module_becomes_a_row_marked_no(fake_modules: None) -> None:
    assert runner.run_module("bench_fake_good")[0].ok
    (broken,) = runner.run_module("bench_fake_broken")
    assert not broken.ok and math.isnan(broken.value)
    assert "bench_fake_broken FAILED: RuntimeError: no / model here" in broken.name
    (wrong,) = runner.run_module("bench_fake_wrong")
    assert not wrong.ok and "TypeError" in wrong.name
    table = format_table([broken])
    assert table.count("|") == 2 * 7 + 7  # header, rule and the row keep 7 columns: no stray "|"
    assert table.splitlines()[-1].endswith("| NO |")


def test_a_module_that_does_not_import_becomes_a_row_marked_no() -> None:
    (row,) = runner.run_module("bench_does_not_exist")
    assert not row.ok and "ModuleNotFoundError" in row.name


def test_readme_block_is_replaced_between_the_markers_only() -> None:
    readme = "# annviz\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\nmore\n"
    assert runner.replace_readme_block(readme, "| new |") == (
        "# annviz\n\n<!-- bench:start -->\n| new |\n<!-- bench:end -->\n\nmore\n"
    )
    with pytest.raises(ValueError, match="bench:start"):
        runner.replace_readme_block("# no markers\n", "| new |")


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
