"""The server's shared store (``annviz.store``): in this process, or the Redis that
``ANNVIZ_REDIS_URL`` names. One object per server process, made on first use."""

from __future__ import annotations

import os

import streamlit as st

from annviz import store


@st.cache_resource(show_spinner=False)
def shared_store() -> store.Store:
    """This server's store: every session (and, with Redis, every replica) sees the same state."""
    return store.store_from_env(os.environ)
