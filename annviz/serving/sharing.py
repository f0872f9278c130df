"""What the MNIST page says about a run: shared with classmates, what a starting process is doing,
how long this server's own last runs took.

Every sentence here is about the run it is given: no duration is said before this server has
timed one of its own runs (issue #26.7), and a run's start says what it is waiting for.
"""

from __future__ import annotations

from annviz.formatting import format_seconds
from annviz.serving.training_queue import JobSnapshot

#: What a run's start says before its process has said anything.
STARTING = "Starting a training process…"


def shared_run_sentence(snapshot: JobSnapshot) -> str:
    """One honest sentence when a run is shared by several students; "" when it is one student's.

    >>> shared_run_sentence(JobSnapshot("running", None, None, None, "", 0.0, None, None, watchers=15, watched_by=15))
    'Same settings and seed as 14 classmates: one run, watched by all of you.'
    >>> shared_run_sentence(JobSnapshot("done", None, None, None, "", 0.0, None, None, watchers=2, watched_by=2))
    'Same settings and seed as 1 classmate: one run, trained once for all of you.'
    >>> shared_run_sentence(JobSnapshot("running", None, None, None, "", 0.0, None, None))
    ''
    """
    others = (snapshot.watchers if snapshot.active else snapshot.watched_by) - 1
    if others < 1:
        return ""
    classmates = f"{others} classmate{'s' if others > 1 else ''}"
    if snapshot.active:
        return f"Same settings and seed as {classmates}: one run, watched by all of you."
    return f"Same settings and seed as {classmates}: one run, trained once for all of you."


def starting_sentence(snapshot: JobSnapshot) -> str:
    """What the wait before the first epoch is, while it happens.

    >>> starting_sentence(JobSnapshot("starting", None, None, None, "", 0.0, None, None, elapsed_s=4.2,
    ...                               phase="Loading the 60,000 MNIST training images into TensorFlow…"))
    'Loading the 60,000 MNIST training images into TensorFlow… (4 s since this run was started)'
    """
    return f"{snapshot.phase or STARTING} ({format_seconds(snapshot.elapsed_s)} since this run was started)"


def duration_sentence(expected: tuple[float, float] | None) -> str:
    """The caption's end: how long this server's own last runs say a setting takes, or nothing.

    >>> duration_sentence(None)
    ''
    >>> duration_sentence((10.4, 2.6))
    ' · this server’s own last runs say about 10 s of fitting, after 3 s to start'
    """
    if expected is None:
        return ""
    fit, before = expected
    return f" · this server’s own last runs say about {format_seconds(fit)} of fitting, after {format_seconds(before)} to start"
