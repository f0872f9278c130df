"""The one exception whose message is meant for a student, and how a student's own text is quoted in it.

annviz raises :class:`InputError` when the input a person gave (a typed vector, a link value,
an uploaded file, a setting out of range) cannot be used, with a sentence that says what to
change. Pages turn only this exception into ``st.error``: any other exception is a bug, and a
bug in NumPy or plotly must not be shown as advice.

It subclasses :class:`ValueError`, so callers that catch ``ValueError`` keep working.

A sentence is shown as Markdown, and what a student typed or a link carried may hold Markdown
or HTML of its own (``![x](https://…)``, ``[log in here](https://…)``). Two layers keep it text:

- :func:`echo` quotes a typed value back short (:data:`ECHO_CHARS`), on one line, in a code span,
  where nothing renders; every sentence built from a typed value uses it;
- :func:`error_markdown`, which the pages show every sentence through, escapes whatever Markdown
  is left outside code spans, so a sentence that forgot :func:`echo` still shows only text.

>>> try:
...     raise InputError("The learning rate must be positive.")
... except ValueError as error:
...     print(error)
The learning rate must be positive.
>>> echo("![x](https://example.org/pixel.png)")
'`![x](https://example.or…`'
"""

from __future__ import annotations

import re
import unicodedata


class InputError(ValueError):
    """Input that cannot be used; ``str(error)`` is one sentence a student can act on."""


#: Longest quote of a typed or linked value in a sentence (then "…"): enough to recognise it.
ECHO_CHARS = 24

# Markdown that makes links, images, HTML, maths, emphasis or colour directives (``:red[…]``): escaped
# outside code spans. "_" only where it can start or end emphasis (not inside y_true).
_ACTIVE = re.compile(r"[\\\[\]<$*~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# Bare addresses GitHub-flavoured Markdown turns into links by themselves (http://, www., a@b.c):
# a word joiner (U+2060, invisible) keeps their parts apart.
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=\bwww)(?=\.)|(?=@)", re.IGNORECASE)
_JOINER = "\u2060"
_BACKTICKS = re.compile(r"`+")


def _printable(text: str) -> str:
    """``text`` on one line, without control or format characters (a right-to-left override
    would turn the sentence around it)."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
                   if unicodedata.category(c) != "Cf")
    return " ".join(kept.split())


def echo(value: object, *, limit: int = ECHO_CHARS) -> str:
    """What a student typed (or a link carried), quoted back in a sentence: a Markdown code span of
    at most ``limit`` characters on one line, cut with "…".

    In a code span no Markdown or HTML renders; a value with backticks gets a longer fence
    (CommonMark's rule), so it cannot close the span early. Empty text is quoted as “”.

    >>> echo("128 relu, 64 re")
    '`128 relu, 64 re`'
    >>> echo("9" * 10_000)
    '`99999999999999999999999…`'
    >>> echo("a`b"), echo("`x`"), echo("  ")
    ('``a`b``', '`` `x` ``', '“”')
    """
    text = _printable(str(value))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    if not text:
        return "“”"
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escaped(text: str) -> str:
    text = _ACTIVE.sub(lambda match: "\\" + match.group(0), text)
    text = _AUTOLINK.sub(_JOINER, text)
    # A sentence that begins with "#", ">", "-", "+" or "=" would be a heading, a quote or a list.
    return "\\" + text if text[:1] in "#>-+=" and text else text


def _code_spans(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is a code span, piece), by CommonMark's rule: a run of n backticks opens
    a span that the next run of exactly n backticks closes; an unmatched run is literal text."""
    pieces: list[tuple[bool, str]] = []
    plain_from, position = 0, 0
    while True:
        opening = _BACKTICKS.search(text, position)
        if opening is None:
            break
        closing = next((m for m in _BACKTICKS.finditer(text, opening.end()) if len(m.group(0)) == len(opening.group(0))), None)
        if closing is None:
            position = opening.end()
            continue
        pieces.append((False, text[plain_from:opening.start()]))
        pieces.append((True, text[opening.start():closing.end()]))
        plain_from = position = closing.end()
    pieces.append((False, text[plain_from:]))
    return [(code, piece) for code, piece in pieces if piece]


def error_markdown(sentence: str) -> str:
    """A sentence for ``st.error`` as Markdown that shows it as text: on one line, code spans kept
    (what :func:`echo` quoted, and code the sentence names), every other Markdown character escaped.

    >>> error_markdown("Unknown activation `re`: choose one of relu, tanh.")
    'Unknown activation `re`: choose one of relu, tanh.'
    >>> error_markdown("[log in here](https://example.org) or ![x](y.png)")
    '\\\\[log in here\\\\](https\\u2060://example.org) or !\\\\[x\\\\](y.png)'
    """
    one_line = _printable(sentence)
    return "".join(piece if code else _escaped(piece).replace("`", "\\`") for code, piece in _code_spans(one_line))
