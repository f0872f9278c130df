"""The container's CPU and memory limits, and the training slots they allow."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Sequence


#: Memory one more training needs: its process peaked at ~800 MB (Pss) with the lecture's
#: setting here (TensorFlow, the images, Keras's copies), plus a margin.
TRAINING_MEMORY_BYTES = 900 * 2**20
#: The container's memory limit and use (cgroup v2, then v1); no file means no limit is known.
CGROUP_MEMORY_FILES = (
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"), Path("/sys/fs/cgroup/memory/memory.usage_in_bytes")),
)


#: The container's CPU quota (cgroup v2 ``cpu.max``, then v1's quota and period files).
CGROUP_CPU_FILES = (
    (Path("/sys/fs/cgroup/cpu.max"), None),
    (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")),
)


def usable_cpus(files: Sequence[tuple[Path, Path | None]] = CGROUP_CPU_FILES, visible: int | None = None) -> int:
    """Cores this process may use: the CPUs it may run on, capped by the container's CPU quota.

    A container on a large host sees all the host's CPUs (``os.cpu_count()``); its cgroup quota
    (``cpu.max`` = "200000 100000" is 2 cores) is what it gets. A quota that is not a whole
    number of cores counts the part core as one.

    >>> usable_cpus(files=(), visible=2)
    2
    """
    if visible is None:
        visible = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for quota_file, period_file in files:
        try:
            words = quota_file.read_text().split()
            if period_file is not None:
                words = [words[0], period_file.read_text().strip()]
        except (OSError, IndexError):
            continue
        if len(words) != 2 or words[0] in ("max", "-1"):
            return max(1, visible)
        try:
            quota, period = int(words[0]), int(words[1])
        except ValueError:
            continue
        if quota > 0 and period > 0:
            return max(1, min(visible, math.ceil(quota / period)))
    return max(1, visible)


#: The environment variable that sets a server's training slots by hand (:func:`training_slots`).
SLOTS_VARIABLE = "ANNVIZ_TRAINING_SLOTS"
#: The environment variable that says how many replicas share the cores this server sees
#: (several ``streamlit run`` processes on one machine behind a load balancer; ``deploy/``).
REPLICAS_VARIABLE = "ANNVIZ_REPLICAS"


def _whole_number(text: str | None) -> int | None:
    """``text`` as a whole number from 1, or None (unset, empty, zero, negative, not a number)."""
    if text is not None and re.fullmatch(r"\s*[0-9]{1,4}\s*", text) and int(text) >= 1:
        return int(text)
    return None


def training_slots(cpus: int, override: str | None = None, replicas: str | None = None) -> int:
    """Trainings that run at once on a server: its share of the cores its replicas' page runs leave free.

    slots = max(1, (cpus − replicas) // replicas)

    A training is CPU-bound on one TensorFlow thread (:data:`TRAINING_THREADS`) and a server's
    page runs are GIL-bound on about one core: two trainings on two cores take a core each and
    leave the class's page runs only what they yield. So a 2-core server (Community Cloud) trains
    one at a time and the others wait in line, told how long (``bench/class_load.py`` measures
    both ways). ``replicas`` (``ANNVIZ_REPLICAS``) servers sharing the same ``cpus`` each keep
    one core for their page runs and split the rest; each still trains at least one at a time,
    as a training queue is a server's own (so 2 replicas on 2 cores may train 2 at once: give
    replicas 2 cores each to avoid it). ``override`` (``ANNVIZ_TRAINING_SLOTS``) sets it by
    hand. Either counts only if it is a whole number from 1.

    >>> training_slots(2), training_slots(1), training_slots(8), training_slots(2, "3"), training_slots(2, "many")
    (1, 1, 7, 3, 1)
    >>> training_slots(8, replicas="2"), training_slots(16, replicas="3"), training_slots(2, replicas="2"), training_slots(8, "1", "2")
    (3, 4, 1, 1)
    """
    chosen = _whole_number(override)
    if chosen is not None:
        return chosen
    sharing = _whole_number(replicas) or 1
    return max(1, (cpus - sharing) // sharing)


def configured_training_slots() -> int:
    """This server's training slots: :func:`training_slots` of its usable cores, ``$ANNVIZ_TRAINING_SLOTS`` and ``$ANNVIZ_REPLICAS``."""
    return training_slots(usable_cpus(), os.environ.get(SLOTS_VARIABLE), os.environ.get(REPLICAS_VARIABLE))


def memory_headroom_bytes() -> int | None:
    """Bytes the container may still use before its memory limit, or None when it has no limit.

    Community Cloud runs the app in a container capped at 2.7 GB, and the kernel kills a process
    of it when the cap is reached: a training starts only when there is room for it.
    """
    for limit_file, usage_file in CGROUP_MEMORY_FILES:
        try:
            limit_text, usage = limit_file.read_text().strip(), int(usage_file.read_text())
        except (OSError, ValueError):
            continue
        if limit_text == "max" or int(limit_text) >= 2**60:
            return None
        return int(limit_text) - usage
    return None
