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
    for code, kind, name in (("SCH1", "school", "Mill Lane Primary"), ("SCH2", "school", "Hills Road Academy"),
                             ("LASYS", "local_authority", "Cambridgeshire EMS")):
        await store.add_source(conn, organisations.NewOrganisation(code=code, kind=kind, name=name, la_code="873"))
        out[code] = await store.source(conn, code=code)
    return out


@pytest.fixture(scope="session")
def model():
    return mmodel.load()
