"""A student's identity that survives a reload: an opaque random token, never a name.

A reload or a phone that slept opens a new Streamlit session, and everything kept in the old
session's state is gone. What a student owns across sessions (their runs, their vote in a round,
the class they follow) is therefore keyed by a token that the browser keeps in a cookie
(:data:`COOKIE_NAME`) and sends with every new session's connection. It is 128 random bits
(``secrets.token_urlsafe``), so one student cannot guess another's; it says nothing about who
the student is; and a cookie that does not look like one is replaced, never trusted.

>>> token = new_token()
>>> is_token(token), len(token)
(True, 22)
>>> is_token("../../etc/passwd"), is_token(""), is_token("a" * 22)
(False, False, True)
>>> cookie_script("abc").startswith("<script>")
True
"""

from __future__ import annotations

import re
import secrets

#: The cookie that carries the token; the app's own, on its own path.
COOKIE_NAME = "annviz_student"
#: How long a browser keeps it: a term.
COOKIE_MAX_AGE_S = 120 * 24 * 3600
#: What a token looks like: 22 URL-safe base64 characters (16 random bytes).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


def new_token() -> str:
    """A fresh token: 16 random bytes from the operating system, URL-safe base64."""
    return secrets.token_urlsafe(16)


def is_token(text: object) -> bool:
    """Whether ``text`` has a token's shape (a forged or garbled cookie does not)."""
    return isinstance(text, str) and TOKEN_PATTERN.fullmatch(text) is not None


def cookie_script(token: str) -> str:
    """The few lines of JavaScript that store ``token`` in the browser's cookie.

    ``SameSite=Lax`` keeps it off other sites' requests; ``path=/`` sends it with the websocket
    of every page. Only a token of the right shape is written (it goes into a script).

    >>> "annviz_student=" + "b" * 22 in cookie_script("b" * 22)
    True
    """
    if not is_token(token):
        token = new_token()
    return (
        f"<script>document.cookie = '{COOKIE_NAME}={token}; path=/; max-age={COOKIE_MAX_AGE_S}; SameSite=Lax';</script>"
    )
