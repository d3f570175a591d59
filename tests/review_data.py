"""Review items for tests, built directly (the engine's own path is tested with a feed in
tests/index/test_review.py): children known through the LA's system, and a record from
a school that the engine could not settle."""

from __future__ import annotations

import datetime as dt
import uuid

from index import auth, registry
from index.auth import Principal
from index.feeds import apply
from index.feeds.resolve import Outcome
from tests import factories

EXPLANATION = [["forename", "initial", -3.14], ["surname", "exact", 5.56], ["dob", "exact", 12.49]]


async def manager(conn, la: str = "873", org: str | None = None, name: str = "Data Manager") -> Principal:
    """A data manager of `la` (a real user, so decisions can name them)."""
    org = org or f"LA{la}"
    user_id = await auth.add_user(conn, name=name, org_code=org, role="la_data_manager", la_code=la,
                                  phone="01632 960300")
    row = await conn.fetchrow("SELECT id, code, kind FROM organisations WHERE code = $1", org)
    return Principal(user_id=user_id, name=name, role="la_data_manager", org_id=row["id"], org_code=row["code"],
                     org_kind=row["kind"], la_code=la, phone="01632 960300", email=None)


async def source_record(conn, org: str, key: str, *, forename="Ava", surname="Testwood", dob=dt.date(2015, 3, 14),
                        gender="F", postcode="PE1 1AA", upn=None, nhs_number=None, carer=True, **more) -> uuid.UUID:
    sid = await conn.fetchval(
        """INSERT INTO source_records (source_org_id, record_key, forename, surname, dob, gender, address_line1, town,
                                       postcode, upn, nhs_number, middle_names, former_surname)
           SELECT id, $2, $3, $4, $5, $6, '12 Mill Lane', 'Peterborough', $7, $8, $9, $10, $11
             FROM organisations WHERE code = $1 RETURNING id""",
        org, key, forename, surname, dob, gender, postcode, upn, nhs_number, more.get("middle_names"),
        more.get("former_surname"))
    if carer:
        await conn.execute(
            """INSERT INTO source_record_carers (source_record_id, position, forename, surname, relationship,
                                                parental_responsibility, phone)
               VALUES ($1, 1, 'Sarah', 'Testwood', 'PAM', true, '07700 900123')""", sid)
    return sid


async def known_child(conn, org: str, key: str, *, la: str = "873", shielded: bool = False, serial: int = 1,
                      **fields) -> tuple[uuid.UUID, uuid.UUID]:
    """A child and the source record it was created from (linked as 'new')."""
    child = factories.child(owning_la=la, shielded=shielded, upn=factories.upn(serial=serial),
                            nhs_number=factories.nhs_number(serial), postcode="PE1 1AA",
                            address_line1="12 Mill Lane", town="Peterborough", **fields)
    org_id = await conn.fetchval("SELECT id FROM organisations WHERE code = $1", org)
    child_id = await registry.create_child(conn, child, source_org_id=org_id)
    sid = await source_record(conn, org, key, forename=child.forename, surname=child.surname, dob=child.dob,
                              upn=child.upn, nhs_number=child.nhs_number)
    await apply.link(conn, sid, child_id, method="new", weight=None, model_version=None, feed_id=None)
    return child_id, sid


async def review_item(conn, sid: uuid.UUID, la: str, candidates: list[uuid.UUID], *, shielded=False,
                      reasons=("twins_guard",)) -> uuid.UUID:
    outcome = Outcome("review", reasons=list(reasons), shielded=shielded,
                      candidates=[(c, 18.0 - k, EXPLANATION) for k, c in enumerate(candidates)])
    return await apply.open_review(conn, sid, la, None, outcome)


class Scene:
    """Two Testwood twins known to LA 873, and a third Testwood from the school to review."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


async def scene(conn, *, shielded_first: bool = False) -> Scene:
    amelia, amelia_sr = await known_child(conn, "LA873", "E1", forename="Amelia", serial=1,
                                          shielded=shielded_first)
    olivia, olivia_sr = await known_child(conn, "LA873", "E2", forename="Olivia", serial=2)
    incoming = await source_record(conn, "8732001", "S1", forename="Ava", middle_names="Mae",
                                   upn=factories.upn(serial=7), nhs_number=factories.nhs_number(7))
    item = await review_item(conn, incoming, "873", [amelia, olivia], shielded=shielded_first)
    return Scene(amelia=amelia, amelia_sr=amelia_sr, olivia=olivia, olivia_sr=olivia_sr, incoming=incoming,
                 item=item)
