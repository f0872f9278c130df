"""The student token: unguessable, shape-checked, and kept by the page across sessions."""

from __future__ import annotations

from annviz import identity


def test_tokens_are_distinct_and_shaped():
    tokens = {identity.new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(identity.is_token(token) for token in tokens)


def test_forged_cookies_are_not_tokens():
    for forged in ["", "short", "a" * 23, "a" * 21, "<script>alert(1)</script>aaaaaaaa", "'; path=/evil", None, 42, "é" * 22]:
        assert not identity.is_token(forged), forged


def test_the_cookie_script_never_writes_a_forged_value():
    script = identity.cookie_script("x'; document.location='https://evil'; '")
    assert "evil" not in script
    assert identity.TOKEN_PATTERN.search(script.split("=", 1)[1])
