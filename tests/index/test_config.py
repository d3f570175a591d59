"""Settings from the environment (index/config.py): the sign-in settings."""

import pytest

from index import config

OIDC = ("ISINDEX_OIDC_ISSUER", "ISINDEX_OIDC_CLIENT_ID", "ISINDEX_OIDC_CLIENT_SECRET", "ISINDEX_OIDC_CLAIM",
        "ISINDEX_SESSION_IDLE_MINUTES", "ISINDEX_PUBLIC_URL")


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in OIDC:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("env, expected", [
    ({}, {"session_idle_minutes": 15, "oidc_issuer": None, "oidc_claim": "email", "public_url": None}),
    ({"ISINDEX_PUBLIC_URL": "https://isindex.example.org/"}, {"public_url": "https://isindex.example.org"}),
    ({"ISINDEX_PUBLIC_URL": "http://127.0.0.1:8000"}, {"public_url": "http://127.0.0.1:8000"}),
    ({"ISINDEX_SESSION_IDLE_MINUTES": "30"}, {"session_idle_minutes": 30}),
    ({"ISINDEX_OIDC_ISSUER": "https://login.example.org", "ISINDEX_OIDC_CLIENT_ID": "isindex",
      "ISINDEX_OIDC_CLIENT_SECRET": "s", "ISINDEX_OIDC_CLAIM": "preferred_username"},
     {"oidc_issuer": "https://login.example.org", "oidc_client_id": "isindex", "oidc_client_secret": "s",
      "oidc_claim": "preferred_username"}),
])
def test_sign_in_settings(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = config.load()
    assert {k: getattr(settings, k) for k in expected} == expected


@pytest.mark.parametrize("env, words", [
    ({"ISINDEX_SESSION_IDLE_MINUTES": "0"}, "between 1 and 1440"),
    ({"ISINDEX_OIDC_ISSUER": "https://login.example.org"}, "set together"),
    ({"ISINDEX_OIDC_CLIENT_ID": "isindex"}, "set together"),
    ({"ISINDEX_OIDC_ISSUER": "http://login.example.org", "ISINDEX_OIDC_CLIENT_ID": "x"}, "https://"),
    ({"ISINDEX_OIDC_ISSUER": "http://localhost.example.org", "ISINDEX_OIDC_CLIENT_ID": "x"}, "https://"),
    ({"ISINDEX_PUBLIC_URL": "http://isindex.example.org"}, "ISINDEX_PUBLIC_URL must be an https://"),
])
def test_bad_sign_in_settings_stop_start_up(monkeypatch, env, words):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=words):
        config.load()
