"""House rules that keep annviz testable: no streamlit in annviz, no TensorFlow at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANNVIZ_FILES = sorted((ROOT / "annviz").rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_annviz_module_is_used_by_the_app_and_shows_a_runnable_example():
    """No orphan module (each is imported by a page, app.py, a script or another module), and each
    docstring has a ``>>>`` example that ``--doctest-modules`` runs (house style rule 7)."""
    users = [*(ROOT / "pages").glob("*.py"), *(ROOT / "scripts").glob("*.py"), ROOT / "app.py", *ANNVIZ_FILES]
    imported = {module for path in users for module in _annviz_modules_imported(path)}
    # A package's modules by their dotted names (``serving.limits``); ``__main__`` is an entry point.
    own = [path for path in ANNVIZ_FILES if path.stem not in ("__init__", "__main__")]
    modules = {_module_name(path) for path in own}
    assert modules - imported == set()
    assert [path.name for path in own if ">>> " not in path.read_text()] == []


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT / "annviz").with_suffix("").parts)


def _annviz_modules_imported(path: Path) -> set[str]:
    """``x`` for every ``annviz.x`` that ``path`` imports (not counting itself)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".", 1)[1] for alias in node.names if alias.name.startswith("annviz."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("annviz"):
            if node.module == "annviz":
                names.update(alias.name for alias in node.names)
            else:
                module = node.module.split(".", 1)[1]
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)  # a submodule imported by name
    # Importing a package's module imports the package; a module does not count as its own user.
    names |= {name.rsplit(".", 1)[0] for name in names if "." in name}
    inside = path.is_relative_to(ROOT / "annviz")
    return names - {_module_name(path) if inside else ""}


def test_annviz_never_imports_streamlit():
    offenders = [p.name for p in ANNVIZ_FILES if "streamlit" in _imported_modules(p)]
    assert offenders == []


def test_importing_every_annviz_module_does_not_import_tensorflow():
    modules = [
        "annviz." + ".".join(p.relative_to(ROOT / "annviz").with_suffix("").parts)
        for p in ANNVIZ_FILES
        if p.name != "__init__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules)\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_annviz_raises_its_student_sentences_as_input_error() -> None:
    """Pages show only InputError as advice, so annviz raises no bare ValueError a page could miss."""
    bare = [
        f"{path.name}:{number}"
        for path in sorted((ROOT / "annviz").glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "raise ValueError(" in line
    ]
    assert bare == []


def test_pages_turn_only_input_error_into_advice() -> None:
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        from annviz.errors import InputError
        from pages._ui import shown_as_error

        kind = st.radio("kind", ["input", "bug"], key="kind")
        with shown_as_error():
            raise InputError("Type a number.") if kind == "input" else ValueError("a bug in NumPy")
        st.write("after")

    at = AppTest.from_function(script).run()
    assert [error.value for error in at.error] == ["Type a number."] and not at.exception
    assert "after" in [markdown.value for markdown in at.markdown]
    at.radio(key="kind").set_value("bug").run()
    assert not at.error and "a bug in NumPy" in at.exception[0].message
