"""DATABASE_URL as written, multi-host (a primary and its standbys) included: pointed at
another database, its hosts shown, its password kept off a command line."""

import pytest

from index import backup, db

BOTH = "postgresql://app:p%40ss@10.0.0.1:5432,10.0.0.2:5433/isindex?target_session_attrs=read-write"


@pytest.mark.parametrize("url, name, expected", [
    (BOTH, "other", "postgresql://app:p%40ss@10.0.0.1:5432,10.0.0.2:5433/other?target_session_attrs=read-write"),
    ("postgresql://postgres:@/postgres?host=/run/pg", "isindex", "postgresql://postgres:@/isindex?host=/run/pg"),
    ("postgresql://u@h1,h2/a", "b", "postgresql://u@h1,h2/b"),
])
def test_with_database_keeps_every_host_and_parameter(url, name, expected):
    assert db.with_database(url, name) == expected


@pytest.mark.parametrize("url, expected", [
    (BOTH, "10.0.0.1:5432,10.0.0.2:5433"),
    ("postgresql://u@h1,h2:6432/a", "h1:5432,h2:6432"),
    ("postgresql://u@[::1]/a", "[::1]:5432"),
    ("postgresql://u@[::1]:6000/a", "[::1]:6000"),
    ("postgresql:///a", "localhost:5432"),
])
def test_hosts(url, expected):
    assert db.hosts(url) == expected


@pytest.mark.parametrize("url, target, env", [
    (BOTH, "postgresql://app@10.0.0.1:5432,10.0.0.2:5433/isindex?target_session_attrs=read-write",
     {"PGPASSWORD": "p@ss"}),
    ("postgresql://postgres:@/isindex?host=/run/pg", "postgresql://postgres@/isindex?host=/run/pg", {}),
    ("postgresql://u@h/a", "postgresql://u@h/a", {}),
])
def test_a_password_goes_to_pgpassword_not_the_command_line(url, target, env):
    assert backup.libpq_target(url) == (target, env)
