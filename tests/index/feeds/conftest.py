import pytest

from index import organisations
from index.feeds import store
from matching import model as mmodel

HEADER = ("record_id,upn,forename,middle_names,surname,dob,gender,address_line1,town,postcode,"
          "carer1_forename,carer1_surname,carer1_relationship")


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


@pytest.fixture
async def sources(conn):
    """Two schools and an LA system in LA 873, as feed sources."""
    await organisations.add_la(conn, "873", "Cambridgeshire")
    out = {}
    # SCH1's URN is the one the CTFs of tests/index/feeds/test_ctf.py name as their source school.
    for code, kind, name, urn in (("SCH1", "school", "Mill Lane Primary", "123456"),
                                  ("SCH2", "school", "Hills Road Academy", None),
                                  ("LASYS", "local_authority", "Cambridgeshire EMS", None)):
        await store.add_source(conn, organisations.NewOrganisation(code=code, kind=kind, name=name, la_code="873",
                                                                   urn=urn))
        out[code] = await store.source(conn, code=code)
    return out


@pytest.fixture(scope="session")
def model():
    return mmodel.load()


@pytest.fixture
def first_loads(monkeypatch) -> list:
    """A list that gets an entry each time a feed is applied as a first load
    (index.feeds.first_load.apply_all, which still runs)."""
    from index.feeds import first_load

    taken: list = []
    real = first_load.apply_all

    async def spy(*args, **kwargs):
        taken.append(True)
        return await real(*args, **kwargs)

    monkeypatch.setattr(first_load, "apply_all", spy)
    return taken
