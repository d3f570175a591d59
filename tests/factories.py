"""Test data: synthetic people only, NHS numbers from the 999 test range."""

from __future__ import annotations

import datetime as dt

from index import auth, organisations, registry
from matching.identifiers import nhs_check_digit, upn_check_letter


def nhs_number(serial: int) -> str:
    """A valid NHS number in the 999 test range."""
    while True:
        first9 = f"999{serial:06d}"
        digit = nhs_check_digit(first9)
        if digit is not None:
            return first9 + str(digit)
        serial += 1


def upn(la: str = "873", estab: str = "2001", year: str = "15", serial: int = 1) -> str:
    body = f"{la}{estab}{year}{serial:03d}"
    return upn_check_letter(body) + body


async def seed_orgs(conn) -> None:
    await organisations.add_la(conn, "873", "Cambridgeshire")
    await organisations.add_la(conn, "926", "Norfolk")
    for org in (
        organisations.NewOrganisation(code="LA873", kind="local_authority", name="Cambridgeshire LA", la_code="873"),
        organisations.NewOrganisation(code="LA926", kind="local_authority", name="Norfolk LA", la_code="926"),
        organisations.NewOrganisation(code="8732001", kind="school", name="Fen Primary", la_code="873",
                                      urn="110001", laestab="8732001", phone="01632 960001"),
        organisations.NewOrganisation(code="D81001", kind="gp", name="Riverside Surgery", la_code="873",
                                      ods_code="D81001", phone="01632 960002"),
        organisations.NewOrganisation(code="HV873", kind="health_visiting", name="Health Visiting", la_code="873"),
        organisations.NewOrganisation(code="SH873", kind="sexual_health", name="Sexual Health Clinic", la_code="873",
                                      phone="01632 960003"),
    ):
        await organisations.add(conn, org)


ROLE_ORGS = {
    "practitioner": ("HV873", None),
    "school": ("8732001", None),
    "la_data_manager": ("LA873", "873"),
    "auditor": ("LA873", None),
    "admin": ("LA873", None),
}


async def seed_users(conn) -> dict[str, str]:
    """One user per role; returns role -> bearer token."""
    tokens = {}
    for role, (org, la) in ROLE_ORGS.items():
        user_id = await auth.add_user(conn, name=f"Test {role}", org_code=org, role=role, la_code=la,
                                      phone="01632 960100", email=f"{role}@example.org")
        tokens[role] = (await auth.issue_token(conn, user_id, days=1)).token
    return tokens


async def token_for(conn, *, org: str, role: str = "practitioner", name: str = "Second User") -> str:
    user_id = await auth.add_user(conn, name=name, org_code=org, role=role, phone="01632 960200")
    return (await auth.issue_token(conn, user_id, days=1)).token


def child(**overrides) -> registry.NewChild:
    base = dict(
        forename="Amelia", surname="Testwood", sex="female", dob=dt.date(2015, 3, 14), owning_la="873",
        address_line1="1 Example Lane", town="Exampleton", postcode="CB1 2AB",
        nhs_number=nhs_number(1), upn=upn(serial=1),
        carers=[registry.NewCarer(forename="Sam", surname="Testwood", relationship="PAM",
                                  parental_responsibility=True, phone="07700 900001")],
    )
    base.update(overrides)
    return registry.NewChild(**base)
