"""Survivorship ranks are data: listed, set (checked, audited from the command line),
and used by the next refresh of a child."""

import pytest

from index import errors, ranks
from tests.index.feeds.conftest import model, sources  # noqa: F401  (fixtures)
from tests.index.feeds.test_survivorship_feeds import AMELIA, child, census, gp, load  # noqa: F401
from tests.factories import nhs_number


async def test_the_shipped_ranks_put_the_la_first(conn):
    got = await ranks.ranks(conn)
    assert [r.kind for r in got[:3]] == ["local_authority", "school", "gp"]
    assert {r.kind for r in got} == set(ranks.KINDS)


@pytest.mark.parametrize("kind, rank, field", [("wizard", 1, "kind"), ("school", 0, "rank"), ("gp", 101, "rank")])
async def test_bad_ranks_are_refused_naming_the_field(conn, kind, rank, field):
    with pytest.raises(errors.Invalid) as caught:
        await ranks.set_rank(conn, kind, rank)
    assert caught.value.field == field


async def test_a_changed_rank_decides_the_next_refresh(conn, sources, gp, model):
    def line(key: str, forename: str, street: str = "12 Mill Lane") -> bytes:
        return census(f"{key}," + AMELIA.format(surname="Testwood").replace("Amelia", forename)
                      .replace("12 Mill Lane", street))

    assert (await load(conn, model, gp, line("G1", "Amelie"))).new == 1
    assert (await load(conn, model, sources["SCH1"], line("A1", "Amelia"))).linked == 1
    assert (await child(conn, nhs_number(101)))["forename"] == "Amelia"      # one source each: the school outranks
    await ranks.set_rank(conn, "gp", 1)
    # The GP's record changes (its address line, say): the refresh now prefers the GP.
    assert (await load(conn, model, gp, line("G1", "Amelie", "12a Mill Lane"))).linked == 1
    assert (await child(conn, nhs_number(101)))["forename"] == "Amelie"


def test_the_command_line_lists_and_sets_ranks(database_url):
    from tests.processes import isindex_here as isindex

    assert isindex(database_url, "survivorship", "ranks").stdout.splitlines()[0].split() == ["local_authority", "1"]
    got = isindex(database_url, "survivorship", "set", "school", "1", "--json").stdout
    assert '{"kind": "school", "rank": 1}' in got
    refused = isindex(database_url, "survivorship", "set", "wizard", "1", check=False)
    assert refused.returncode == 1 and "KIND: must be one of" in refused.stderr
