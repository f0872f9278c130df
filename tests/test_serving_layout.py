"""The serving layer is the one home of Keras: no other module imports it, but the maths' own checks.

House style 10: Keras work belongs to worker processes behind one small serving layer. A maths
module may keep its own small Keras check beside its formula (the reference its tests compare
with); every other use of Keras or TensorFlow in ``annviz/`` or ``pages/`` is in ``annviz/serving/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The allowed places outside ``annviz/serving/``: (file, function) of a formula's own Keras check.
MATHS_KERAS_CHECKS = {
    ("annviz/activations.py", "keras_activation_values"),
    ("annviz/neuron.py", "keras_dense_output"),
}
HEAVY = ("keras", "tensorflow")


def heavy_imports(path: Path) -> list[tuple[str, str]]:
    """``(function or "<module>", module)`` for every import of Keras or TensorFlow in ``path``."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and where == "<module>" else where
            if isinstance(child, ast.Import):
                found.extend((where, alias.name) for alias in child.names if alias.name.split(".")[0] in HEAVY)
            elif isinstance(child, ast.ImportFrom) and child.module and child.module.split(".")[0] in HEAVY:
                found.append((where, child.module))
            visit(child, inner)

    visit(ast.parse(path.read_text()), "<module>")
    return found


def test_only_the_serving_layer_imports_keras_besides_the_maths_own_checks() -> None:
    offenders = []
    for path in sorted([*ROOT.glob("annviz/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith("annviz/serving/"):
            continue
        offenders += [(name, where, module) for where, module in heavy_imports(path) if (name, where) not in MATHS_KERAS_CHECKS]
    assert offenders == []


def test_the_rule_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def fit():\n    if True:\n        from tensorflow import keras\n")
    assert heavy_imports(sneaky) == [("fit", "tensorflow")]
