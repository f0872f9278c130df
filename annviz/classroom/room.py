"""One class in the room: its code, the step it follows, its votes, and who may steer it.

Everything lives in the shared store (``annviz.store``, passed in): in the server process by
default, in Redis across replicas. Only the lecturer writes a class's state, one small JSON
document (:func:`class_state`), and every write increments the class's version counter, so a
follower's idle check is one read of one small value (:func:`class_version`). Students write only
their votes: one per round (a set of opaque voter ids, made from the reload-surviving student token
and the class code by a one-way hash) and a count per choice. Nothing a student types is kept or
shown: a vote is a choice's index, checked against the question's choices.

Who may steer: a :class:`Lecturer` is made only by :func:`lecturer_from_key`, from the key the
lecturer typed and the one the deployment configured (compared in constant time); every function
that moves the class or opens, closes, repeats or reveals a vote takes one. The class code that
students see and type is not a key: it only lets a device join.

>>> from annviz.store import MemoryStore
>>> store = MemoryStore()
>>> lecturer = lecturer_from_key("s3cret-key", "s3cret-key")
>>> code = start_class(store, lecturer, public_url="https://annviz.example.org", code="ABCDEFGH")
>>> move_class(store, lecturer, code, page="optimizers", step=1)
>>> class_state(store, code)["page"], class_version(store, code)
('optimizers', 2)
>>> open_vote(store, lecturer, code, "optimizers-sgd-x10")
>>> cast_vote(store, code, "a" * 22, choice=2), cast_vote(store, code, "a" * 22, choice=0)
(True, False)
>>> close_vote(store, lecturer, code); vote_counts(store, code)
[[0, 0, 1]]
>>> lecturer_from_key("guess", "s3cret-key") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from annviz.classroom.questions import QUESTIONS, Question
from annviz.errors import InputError
from annviz.store import Store, get_json, set_json

#: A class, its votes and its counts are forgotten this long after the lecturer's last action.
CLASS_TTL_S = 3 * 3600
#: Class codes: 8 characters from 32 that a projector cannot confuse (no I, O, 0 or 1): 40 bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: Wrong class codes a device may type per minute, and all devices together.
MAX_WRONG_CODES_PER_DEVICE = 5
MAX_WRONG_CODES_PER_SERVER = 300
#: Votes per question: the first, and one more after the discussion (peer instruction).
MAX_ROUNDS = 2
#: The public address a lecturer sets: at most this long.
MAX_URL_LENGTH = 200
#: The page students open to join (``pages/_navigation.py``'s url_path).
JOIN_PATH = "class"
#: The environment variable (or Streamlit secret) that holds the lecturer key.
LECTURER_KEY_VARIABLE = "ANNVIZ_LECTURER_KEY"
#: The environment variable that may preset the public address.
PUBLIC_URL_VARIABLE = "ANNVIZ_PUBLIC_URL"

_CURRENT = "class:current"


class NotInClass(InputError):
    """The class a device tried to join (or was in) is not running: the sentence says what to do."""


@dataclass(frozen=True)
class Lecturer:
    """Proof that this session's user typed the lecturer key (see :func:`lecturer_from_key`)."""

    _token: object


_PROOF = object()


def lecturer_from_key(typed: object, configured: str | None) -> Lecturer | None:
    """A :class:`Lecturer` if ``typed`` equals the configured key, else None (also with no key set).

    The comparison takes the same time wherever the strings differ (``hmac.compare_digest``).

    >>> lecturer_from_key("", "") is None, lecturer_from_key("k", None) is None
    (True, True)
    """
    if not configured or not isinstance(typed, str) or not typed:
        return None
    if hmac.compare_digest(typed.encode(), configured.encode()):
        return Lecturer(_PROOF)
    return None


def _require(lecturer: object) -> None:
    if not (isinstance(lecturer, Lecturer) and lecturer._token is _PROOF):
        raise InputError("Only the lecturer can steer the class: type the lecturer key in the sidebar.")


def new_code() -> str:
    """A fresh class code: :data:`CODE_LENGTH` characters of :data:`CODE_ALPHABET` from the OS's randomness."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: object) -> str | None:
    """The code a student typed or a link carried, upper-cased without spaces or dashes; None if it
    cannot be one.

    >>> normalize_code(" abcd-efgh "), normalize_code("../etc"), normalize_code("ABCDEFGI")
    ('ABCDEFGH', None, None)
    """
    if not isinstance(text, str):
        return None
    code = re.sub(r"[\s-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def display_code(code: str) -> str:
    """The code as the projector shows it, in two halves.

    >>> display_code("ABCDEFGH")
    'ABCD-EFGH'
    """
    return f"{code[:4]}-{code[4:]}"


def check_public_url(text: object) -> str:
    """The app's public address as students' devices reach it (``https://host[:port][/path]``).

    >>> check_public_url(" https://annviz.example.org/ ")
    'https://annviz.example.org'
    >>> check_public_url("annviz.example.org")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The public address must start with http:// or https:// (e.g. https://annviz.example.org), not 'annviz.example.org'.
    """
    url = str(text or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"The public address must start with http:// or https:// (e.g. https://annviz.example.org), not {url!r}.")
    if len(url) > MAX_URL_LENGTH or parts.query or parts.fragment or parts.username or parts.password or " " in url:
        raise InputError(f"The public address is the app's address only: no spaces, user, ?query or #part, "
                         f"at most {MAX_URL_LENGTH} characters.")
    return url


def is_local(url: str) -> bool:
    """Whether ``url`` names this machine only (students' devices cannot open it).

    >>> is_local("http://localhost:8501"), is_local("http://192.168.1.20:8501")
    (True, False)
    """
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "0.0.0.0", "::1") or host.startswith("127.")


def join_link(public_url: str, code: str) -> str:
    """The short link a student opens: the public address, the join page and the class code.

    >>> join_link("https://annviz.example.org", "ABCDEFGH")
    'https://annviz.example.org/class?join=ABCDEFGH'
    """
    return f"{check_public_url(public_url)}/{JOIN_PATH}?join={code}"


def voter_id(code: str, token: str) -> str:
    """A student's opaque id in one class: a one-way hash of class code and token (no name, and
    not the token itself, so the store never holds a student's cookie).

    >>> len(voter_id("ABCDEFGH", "a" * 22)), voter_id("ABCDEFGH", "a" * 22) == voter_id("ABCDEFGJ", "a" * 22)
    (24, False)
    """
    return hashlib.sha256(f"{code}:{token}".encode()).hexdigest()[:24]


def _key(code: str, *parts: object) -> str:
    return ":".join(("class", code, *map(str, parts)))


def _write_state(store: Store, code: str, state: dict[str, Any]) -> None:
    set_json(store, _key(code, "state"), state, ttl_s=CLASS_TTL_S)
    store.incr(_key(code, "version"), ttl_s=CLASS_TTL_S)
    store.set(_CURRENT, code.encode(), ttl_s=CLASS_TTL_S)


def class_state(store: Store, code: str) -> dict[str, Any] | None:
    """The class's state: ``page``, ``step``, ``demo`` (a question key, once run), ``vote`` and
    ``public_url``; None once it ended or expired."""
    return get_json(store, _key(code, "state"))


def class_version(store: Store, code: str) -> int:
    """How many times the lecturer changed the class: a follower's whole idle check (one small read)."""
    raw = store.get(_key(code, "version"))
    return int(raw) if raw else 0


def current_class(store: Store) -> str | None:
    """The code of the class the lecturer runs on this deployment, if one is running."""
    raw = store.get(_CURRENT)
    code = raw.decode() if raw else None
    return code if code and class_state(store, code) is not None else None


def start_class(store: Store, lecturer: Lecturer, *, public_url: str, code: str | None = None) -> str:
    """Start a class (replacing the one running) and return its code."""
    _require(lecturer)
    url = check_public_url(public_url)
    code = normalize_code(code) if code else new_code()
    if code is None:
        raise InputError("A class code has 8 letters and digits.")
    _write_state(store, code, {"page": None, "step": 0, "demo": None, "vote": None, "public_url": url,
                               "started": time.time()})
    return code


def set_public_url(store: Store, lecturer: Lecturer, code: str, public_url: str) -> None:
    """Change the address that the QR code and the short link carry."""
    _require(lecturer)
    state = _running(store, code)
    state["public_url"] = check_public_url(public_url)
    _write_state(store, code, state)


def end_class(store: Store, lecturer: Lecturer, code: str) -> None:
    """End the class: its state goes at once (followers are told); its counts expire with their TTL."""
    _require(lecturer)
    store.delete(_key(code, "state"))
    store.incr(_key(code, "version"), ttl_s=CLASS_TTL_S)
    store.delete(_CURRENT)


def _running(store: Store, code: str) -> dict[str, Any]:
    state = class_state(store, code)
    if state is None:
        raise NotInClass("This class has ended (or expired after the lecture): start a new one on the Class page.")
    return state


def move_class(store: Store, lecturer: Lecturer, code: str, *, page: str, step: int) -> None:
    """Show step ``step`` of ``page`` to every follower (a demo that ran stays with its own step)."""
    _require(lecturer)
    state = _running(store, code)
    if (state["page"], state["step"]) == (page, step):
        return
    state.update(page=page, step=int(step), demo=None)
    _write_state(store, code, state)


def _question(key: str) -> Question:
    if key not in QUESTIONS:
        raise InputError(f"There is no question '{key}'.")
    return QUESTIONS[key]


def _new_round(store: Store, code: str) -> int:
    return store.incr(_key(code, "rounds"), ttl_s=CLASS_TTL_S)


def open_vote(store: Store, lecturer: Lecturer, code: str, question: str) -> None:
    """Ask ``question``: a new round opens, and every student of the class sees the choices."""
    _require(lecturer)
    _question(question)
    state = _running(store, code)
    state.update(vote={"question": question, "rounds": [_new_round(store, code)], "open": True, "revealed": False},
                 demo=None)
    _write_state(store, code, state)


def close_vote(store: Store, lecturer: Lecturer, code: str) -> None:
    """Stop taking votes: the projector shows the histogram."""
    _require(lecturer)
    state = _running(store, code)
    if state["vote"] and state["vote"]["open"]:
        state["vote"]["open"] = False
        _write_state(store, code, state)


def vote_again(store: Store, lecturer: Lecturer, code: str) -> None:
    """The second vote after the discussion (peer instruction): a fresh round of the same question."""
    _require(lecturer)
    state = _running(store, code)
    vote = state["vote"]
    if not vote or vote["open"] or vote["revealed"]:
        raise InputError("A second vote follows a closed first one, before the demo runs.")
    if len(vote["rounds"]) >= MAX_ROUNDS:
        raise InputError(f"A question has at most {MAX_ROUNDS} votes: run the demo.")
    vote["rounds"].append(_new_round(store, code))
    vote["open"] = True
    _write_state(store, code, state)


def run_demo(store: Store, lecturer: Lecturer, code: str) -> Question:
    """Close the vote, run its demo for every follower (its widget values) and mark the right answer."""
    _require(lecturer)
    state = _running(store, code)
    vote = state["vote"]
    if not vote:
        raise InputError("Open a vote before running its demo.")
    question = _question(vote["question"])
    vote.update(open=False, revealed=True)
    state.update(page=question.page, step=question.step, demo=question.key)
    _write_state(store, code, state)
    return question


def clear_vote(store: Store, lecturer: Lecturer, code: str) -> None:
    """Take the question off the screen (its counts stay until the class expires)."""
    _require(lecturer)
    state = _running(store, code)
    state["vote"] = None
    _write_state(store, code, state)


def join_class(store: Store, code_text: object, token: str) -> str:
    """Join the class whose code a student typed or a link carried, and return the code.

    Wrong codes are counted per device and per server and refused beyond
    :data:`MAX_WRONG_CODES_PER_DEVICE` and :data:`MAX_WRONG_CODES_PER_SERVER` a minute, so guessing
    one of 32⁸ ≈ 10¹² codes is hopeless.
    """
    device = _key("joins", voter_id("join", token))
    everyone = "class:joins:all"
    if int(store.get(device) or 0) >= MAX_WRONG_CODES_PER_DEVICE or int(store.get(everyone) or 0) >= MAX_WRONG_CODES_PER_SERVER:
        raise NotInClass("Too many wrong class codes: wait a minute, then type the code on the projector.")
    code = normalize_code(code_text)
    if code is None or class_state(store, code) is None:
        store.incr(device, ttl_s=60)
        store.incr(everyone, ttl_s=60)
        raise NotInClass("No class with that code is running: check the code on the projector (8 letters and digits).")
    store.sadd(_key(code, "members"), voter_id(code, token), ttl_s=CLASS_TTL_S)
    return code


def members(store: Store, code: str) -> int:
    """How many devices joined the class."""
    return store.scard(_key(code, "members"))


def cast_vote(store: Store, code: str, token: str, *, choice: object) -> bool:
    """Count a student's vote in the open round; False if this student already voted in it.

    ``choice`` must be the index of one of the question's choices (anything else, typed or forged,
    is refused with a sentence); the store keeps the count per choice and the opaque voter ids.
    """
    state = _running(store, code)
    vote = state["vote"]
    if not vote or not vote["open"]:
        raise InputError("The vote is closed: wait for the lecturer's next question.")
    choices = _question(vote["question"]).choices
    if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < len(choices):
        raise InputError(f"Choose one of the {len(choices)} answers.")
    round_id = vote["rounds"][-1]
    if not store.sadd(_key(code, "round", round_id, "voters"), voter_id(code, token), ttl_s=CLASS_TTL_S):
        return False
    store.hincr(_key(code, "round", round_id, "counts"), str(choice), ttl_s=CLASS_TTL_S)
    return True


def answered(store: Store, code: str) -> int:
    """How many students voted in the current round (the projector's live count)."""
    state = class_state(store, code)
    vote = state and state["vote"]
    return store.scard(_key(code, "round", vote["rounds"][-1], "voters")) if vote else 0


def vote_counts(store: Store, code: str) -> list[list[int]]:
    """The counts per choice of each round of the current question (first vote, then the second)."""
    state = _running(store, code)
    vote = state["vote"]
    if not vote:
        return []
    n = len(_question(vote["question"]).choices)
    rounds = []
    for round_id in vote["rounds"]:
        table = store.hgetall(_key(code, "round", round_id, "counts"))
        rounds.append([int(table.get(str(index), b"0")) for index in range(n)])
    return rounds


def share(counts: list[int]) -> list[float]:
    """Each choice's share of a round's votes (0 for every choice when nobody voted).

    >>> share([1, 3]), share([0, 0])
    ([0.25, 0.75], [0.0, 0.0])
    """
    total = sum(counts)
    return [count / total if total else 0.0 for count in counts]


def expires_in(store: Store) -> str:
    """What the page says about keeping the class, by backend (honest about a restart)."""
    hours = math.ceil(CLASS_TTL_S / 3600)
    if store.kind == "redis":
        return (f"Kept in Redis, shared by every replica: a replica's restart keeps the class. Only counts per answer "
                f"are kept, no names, and everything expires {hours} hours after the lecturer's last action.")
    return (f"Kept in this server's memory: a restart of the server ends the class (set ANNVIZ_REDIS_URL to keep it). "
            f"Only counts per answer are kept, no names, and everything expires {hours} hours after the lecturer's last action.")
