"""The census benchmark's reading of the server log (--slow-log): only plain COMMIT
statements are counted as slow commits, not a statement that merely names COMMIT."""

import pytest

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
