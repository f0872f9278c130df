"""A training's identity: everything that decides its result, hashed, so one run per setting is shared.

Two Starts with the same identity get the same weights (the seed fixes the initialisation and
the batch order; ``tests/test_shared_runs.py`` trains one identity in two processes and compares
the weights), so a server trains it once and every student who asks watches that one run.

The identity is the hash of:

- every field of the :class:`~annviz.training_config.TrainingConfig`, written exactly
  (``repr``: a learning rate of 0.001 and one of 0.0010000001 look alike in the form and differ
  here), the seed included;
- the data (the bytes of ``annviz/data/mnist.npz``);
- the code that trains (the source of the modules that build, fit and evaluate);
- the software that trains (TensorFlow's and Keras's versions, read without importing them) and
  the CPU (results can differ in their last digits between kinds of CPU), so runs are shared
  only between workers of the same kind.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from importlib import metadata
from pathlib import Path

from annviz.mnist import DATA_PATH
from annviz.training_config import TrainingConfig

ANNVIZ = Path(__file__).resolve().parent.parent
#: The modules whose code decides a training's result.
TRAINING_CODE = (
    "serving/keras_training.py", "serving/training_process.py", "serving/trained_model.py", "training.py",
    "training_config.py", "keras_workflow.py", "mnist.py", "architecture.py", "numpy_mlp.py",
)


@functools.cache
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.cache
def cpu_kind() -> str:
    """The CPU's model name (Linux's ``/proc/cpuinfo``), else the platform's machine name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine() or "unknown"


@functools.cache
def software_identity() -> str:
    """The data, the code and the software that train, as one string (the same for a server's life)."""
    code = "".join(_file_digest(ANNVIZ / name) for name in TRAINING_CODE)
    return "|".join([
        f"data={_file_digest(DATA_PATH)}", f"code={hashlib.sha256(code.encode()).hexdigest()}",
        f"tensorflow={_version('tensorflow')}", f"keras={_version('keras')}", f"cpu={cpu_kind()}",
    ])


def run_identity(config: TrainingConfig, software: str | None = None) -> str:
    """The run identity of ``config`` on this software: 16 hex digits.

    >>> run_identity(TrainingConfig()) == run_identity(TrainingConfig())
    True
    >>> run_identity(TrainingConfig(seed=1)) == run_identity(TrainingConfig(seed=2))
    False
    """
    text = f"{config!r}|{software if software is not None else software_identity()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
