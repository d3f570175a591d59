"""ISINDEX_FEED_WORKER's default follows DATABASE_URL (index/config.py): serve works the
feed queue itself only with the embedded PostgreSQL, unless told otherwise."""

import pytest

from index import config


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in ("DATABASE_URL", "ISINDEX_FEED_WORKER"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("env, expected", [
    ({}, True),                                                           # embedded: one command does all
    ({"DATABASE_URL": "postgresql://isindex_app@db/isindex"}, False),     # a server: `isindex worker` does it
    ({"DATABASE_URL": "postgresql://isindex_app@db/isindex", "ISINDEX_FEED_WORKER": "1"}, True),
    ({"ISINDEX_FEED_WORKER": "0"}, False),
    ({"DATABASE_URL": "", "ISINDEX_FEED_WORKER": ""}, True),              # empty is unset
])
def test_feed_worker_default(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert config.load().feed_worker is expected


@pytest.mark.parametrize("value", ["yes", "2", "true", " 1"])
def test_a_bad_feed_worker_setting_stops_start_up_naming_it(monkeypatch, value):
    monkeypatch.setenv("ISINDEX_FEED_WORKER", value)
    with pytest.raises(SystemExit, match="ISINDEX_FEED_WORKER must be 0 or 1"):
        config.load()
