"""The census benchmarks' pure parts: bench.py's reading of the server log (--slow-log:
only plain COMMIT statements are counted as slow commits, not a statement that merely
names COMMIT), and floor.py's phases argument and ratios."""

import argparse

import pytest

from tests.perf.census_load import floor
from tests.perf.census_load.bench import slow_commits

LOG = """\
2026-12-04 23:38:33.545 UTC [27716] LOG:  duration: 42.1 ms  statement: COMMIT;
2026-12-04 23:38:36.714 UTC [27673] LOG:  duration: 4053.8 ms  execute __asyncpg_stmt_26__: INSERT INTO source_records
2026-12-04 23:38:41.044 UTC [27673] LOG:  duration: 422.8 ms  statement: CREATE TEMP TABLE feed_candidates ON COMMIT DROP
2026-12-04 23:38:50.962 UTC [27716] LOG:  duration: 124.7 ms  statement: COMMIT;
2026-12-04 23:38:51.152 UTC [27661] LOG:  duration: 16.4 ms  statement: COMMIT;
"""


@pytest.mark.parametrize("text, expected", [
    (LOG, {"count": 3, "max_ms": 124.7, "median_ms": 42.1}),
    ("", {"count": 0, "max_ms": None, "median_ms": None}),
    ("LOG:  statement: COMMIT;\n", {"count": 0, "max_ms": None, "median_ms": None}),
    (LOG + "2026-12-04 23:38:52.001 UTC [27662] LOG:  duration: 20.0 ms  statement: COMMIT;\n",
     {"count": 4, "max_ms": 124.7, "median_ms": 31.05}),
])
def test_slow_commits(text, expected):
    assert slow_commits(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("0,2,0,1", [0, 2, 0, 1]),
    ("0", [0]),
    ("2,1", None),          # no idle phase to compare with
    ("0,x", None),
    ("0,-1", None),
    ("0,65", None),
    ("", None),
])
def test_phases_arg(text, expected):
    if expected is None:
        with pytest.raises(argparse.ArgumentTypeError, match="idle|list|0-64"):
            floor.phases_arg(text)
    else:
        assert floor.phases_arg(text) == expected


def test_ratios_are_over_the_mean_idle_p99():
    phases = [{"spinners": 0, "p99_ms": 10.0}, {"spinners": 2, "p99_ms": 15.0}, {"spinners": 0, "p99_ms": 12.0},
              {"spinners": 1, "p99_ms": 13.2}, {"spinners": 2, "p99_ms": 16.5}, {"spinners": 1, "requests": 1}]
    assert floor.ratios(phases) == {"idle_p99_mean_ms": 11.0, "p99_ratio_by_spinners": {"2": [1.36, 1.5], "1": [1.2]}}
    assert floor.ratios([{"spinners": 1, "p99_ms": 9.0}]) == {}
