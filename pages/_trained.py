"""The session's trainings, kept for the MNIST page's comparison and offered to the draw (7) and metrics (8) pages.

The MNIST page keeps its current training job (``annviz.serving.TrainingJob``, a process of its
own) in ``st.session_state[RUN_KEY]``. When it has ended, :func:`collect_runs` turns it into an
``annviz.runs.KeptRun`` (settings, curves, test figures, weights) and adds it to the session's
runs in ``st.session_state[RUNS_KEY]`` (``annviz.runs.keep_run``: at most 8, the oldest goes
first). Every page that offers a model calls :func:`collect_runs` first, so a training that ends
while the student is on another page is there on its next rerun. A new session of a student
(a reload, a phone that slept) finds the student's runs again from the server's training service,
which keeps them by the student's token: the running one is watched again, the ended ones are
the session's runs again.
"""

from __future__ import annotations

import streamlit as st

from annviz.runs import KeptRun, keep_run, kept_models, run_names, run_of_job
from pages._serving import session_owner, training_service

RUN_KEY, RUNS_KEY = "mnist_run", "mnist_runs"
#: The job last turned into a run (by ``TrainingJob.job_id``), and how many runs the session has made.
RECORDED_KEY, COUNT_KEY = "mnist_recorded_job", "mnist_run_count"
#: The numbers of the runs let go to stay within the cap, for the note above the table.
LET_GO_KEY = "mnist_runs_let_go"
#: The runs the student unticked in the comparison (a plain key: it outlives the checkboxes).
UNPICKED_KEY = "mnist_unpicked"
#: Set once a session has looked for the student's runs on the server.
RECOVERED_KEY = "mnist_runs_recovered"


def recover_runs() -> None:
    """A new session finds the student's runs on this server again (once per session)."""
    if st.session_state.get(RECOVERED_KEY):
        return
    st.session_state[RECOVERED_KEY] = True
    if st.session_state.get(RUN_KEY) is not None or st.session_state.get(RUNS_KEY):
        return
    owner, alive = session_owner()
    service = training_service()
    kept: tuple[KeptRun, ...] = ()
    number = 0
    for job in service.runs_of(owner):
        snapshot = job.snapshot()
        if snapshot.active:
            service.attach(job, owner, alive)
            st.session_state[RUN_KEY] = job
            continue
        run = run_of_job(number + 1, job.config, snapshot)
        if run is not None:
            number += 1
            kept, _ = keep_run(kept, run)
        st.session_state[RECORDED_KEY] = job.job_id
        if st.session_state.get(RUN_KEY) is None or not st.session_state[RUN_KEY].snapshot().active:
            st.session_state[RUN_KEY] = job  # the live view shows the newest run's result again
    if kept:
        st.session_state[RUNS_KEY], st.session_state[COUNT_KEY] = kept, number


def collect_runs() -> tuple[KeptRun, ...]:
    """Keep the session's ended training (once per job); the session's runs, oldest first."""
    recover_runs()
    job = st.session_state.get(RUN_KEY)
    if job is not None and st.session_state.get(RECORDED_KEY) != job.job_id:
        snapshot = job.snapshot()
        if not snapshot.active:
            st.session_state[RECORDED_KEY] = job.job_id
            number = st.session_state.get(COUNT_KEY, 0) + 1
            run = run_of_job(number, job.config, snapshot)
            if run is not None:
                st.session_state[COUNT_KEY] = number
                kept, dropped = keep_run(st.session_state.get(RUNS_KEY, ()), run)
                st.session_state[RUNS_KEY] = kept
                st.session_state[LET_GO_KEY] = (*st.session_state.get(LET_GO_KEY, ()), *(r.number for r in dropped))
    return st.session_state.get(RUNS_KEY, ())


def newest_after_a_new_run(key: str, numbers: list[int]) -> None:
    """Set the run picker ``key`` before it is drawn: to ``numbers[0]`` (the newest) when a run has
    ended since it was last drawn, as that run is the one the student wants next; else to the
    student's last choice (:func:`remember_choice`) when Streamlit dropped the widget's state (it
    does whenever the picker is not drawn: another tab, another page); the newest if that is gone."""
    remembered = st.session_state.get(f"{key}_choice")
    if st.session_state.get(f"{key}_newest") != numbers[0]:
        st.session_state[key] = numbers[0]
        st.session_state[f"{key}_newest"] = numbers[0]
    elif st.session_state.get(key) not in numbers:
        st.session_state[key] = remembered if remembered in numbers else numbers[0]


def remember_choice(key: str, number: int) -> None:
    """Keep the picker's choice in a plain key, which outlives the widget."""
    st.session_state[f"{key}_choice"] = number


def choose_own_run(key: str) -> KeptRun | None:
    """A picker of the session's runs that have a model, newest first; None if none has.

    The newest is chosen whenever a run has ended since the picker was last drawn.
    """
    runs = collect_runs()
    usable = kept_models(runs)
    if not usable:
        return None
    names = run_names(runs)
    by_number = {run.number: run for run in usable}
    newest_after_a_new_run(key, list(by_number))
    number = st.selectbox(
        "Which of your runs", list(by_number), key=key,
        format_func=lambda n: f"{names[n]}: {by_number[n].label}",
        help="Your trainings on the MNIST page that kept a model (of the last 8 kept), newest first.",
    )
    remember_choice(key, number)
    return by_number.get(number, usable[0])
