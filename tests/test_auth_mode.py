"""How the dashboard finds its sign-in mode (views/auth.mode): OIDC only when a secrets file
with an ``[auth]`` section exists, found by path before Streamlit is asked (issue 18: Streamlit
searched its paths again on every run while none existed)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit import config

from views import auth


@pytest.fixture
def secrets_at(tmp_path, monkeypatch):
    """Point Streamlit's secrets at a file of this test (not written yet)."""
    path = tmp_path / "secrets.toml"
    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    st.secrets._reset()
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)
    yield path
    config.set_option("secrets.files", before)
    st.secrets._reset()


def test_no_secrets_file_is_embedded_without_asking_streamlit(secrets_at, monkeypatch):
    asked = []
    monkeypatch.setattr(st.secrets, "load_if_toml_exists", lambda: asked.append(1) or False)
    assert auth.mode() == "embedded"
    assert asked == [], "Streamlit asked to search for a secrets file that is not there"


def test_a_secrets_file_with_auth_is_oidc(secrets_at):
    secrets_at.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
                          'cookie_secret = "x"\n', encoding="utf-8")
    assert auth.mode() == "oidc"


def test_a_secrets_file_without_auth_is_not_oidc(secrets_at):
    secrets_at.write_text('other = "value"\n', encoding="utf-8")
    assert auth.mode() == "embedded"


def test_a_secrets_file_added_later_is_found_after_the_recheck(secrets_at, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    assert auth.mode() == "embedded"
    secrets_at.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
                          'cookie_secret = "x"\n', encoding="utf-8")
    clock[0] += auth.SECRETS_RECHECK_S / 2
    assert auth.mode() == "embedded", "the paths were searched again within the recheck time"
    clock[0] += auth.SECRETS_RECHECK_S
    assert auth.mode() == "oidc"
