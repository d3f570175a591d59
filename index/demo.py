"""Load synthetic demo data (index.demo_data) with COPY, and issue demo tokens.

Demo children come in the way a feed's children do: each LA's own system is a feed
source (kind local_authority), each demo child is a source record of its LA's system
with blocking keys (records.prepare_new and write_new: the same keys, carers and name
counts as a feed's records), and the child is linked to it as a new child (method
'new'). So a school's census of demo children links to them instead of creating them
again. Schools and the other organisations that can submit feeds are feed sources.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import asyncpg

from index import auth, registry, sessions, sql
from index.demo_data import SENSITIVE_KINDS, DemoChild, generate
from index.feeds import apply, records, store
from matching import model as mmodel, schemes
from matching.census import Carer, CensusRow

SQL = sql.queries("demo")

BATCH = 10_000
DEMO_USERS = {  # role -> (display name, organisation kind)
    "practitioner": ("Demo Practitioner", "health_visiting"),
    "school": ("Demo School Office", "school"),
    "la_data_manager": ("Demo Data Manager", "local_authority"),
    "auditor": ("Demo Auditor", "local_authority"),
    "admin": ("Demo Administrator", "local_authority"),
}

ADDRESS_STATES = {"left_england": "left_england_expected_back"}
CHILD_COLUMNS = ("id", "forename", "middle_names", "surname", "preferred_forename", "preferred_surname", "sex",
                 "dob", "address_state", "address_line1", "address_line2", "town", "postcode", "owning_la")
INVOLVEMENT_COLUMNS = ("id", "child_id", "org_id", "contact_name", "contact_phone", "contact_email",
                       "start_date", "end_date", "source", "consent_basis")
GENDER = {"male": "M", "female": "F"}


async def load(conn: asyncpg.Connection, *, n_children: int, seed: int = 1,
               on_batch: Callable[[int, int], None] | None = None, model: mmodel.Model | None = None,
               model_path: str | None = None) -> dict:
    """Load n_children synthetic children unless the index already holds children.
    `model` (or the one at `model_path`, else the shipped one): the matching model whose
    blocking rules the keys are built with (keys built with other rules are rebuilt by
    the first feed). on_batch(done, n_children) hears of each batch written."""
    existing = await conn.fetchval(SQL["count_children"])
    if existing:
        return {"children": existing, "loaded": False}
    model = model or mmodel.load(model_path)
    las, orgs, stream = generate(n_children, seed=seed)
    async with conn.transaction():
        await records.ensure_keys(conn, model.blocking_rules)
        key_indexes = await _drop_key_indexes(conn)
        await conn.executemany(SQL["insert_las"], [(la.code, la.name) for la in las])
        org_rows = [(f"LA{la.code}", "local_authority", f"{la.name} Council", la.code, None, None, None)
                    for la in las]
        org_rows += [(o.code, o.kind, o.name, o.la_code, o.urn, o.laestab, o.ods_code) for o in orgs]
        await conn.copy_records_to_table("organisations", records=org_rows,
                                         columns=("code", "kind", "name", "la_code", "urn", "laestab", "ods_code"))
        contacts = [(o.phone, o.email, o.address_line1, o.town, o.postcode, o.code) for o in orgs]
        await conn.executemany(SQL["org_contacts"], contacts)
        # Feed sources: each LA's own system (the demo children's records), schools, GPs, ...
        await conn.execute(SQL["mark_feed_sources"], list(store.SOURCE_KINDS))
        org_ids = {r["code"]: r["id"] for r in await conn.fetch(SQL["org_ids"])}
        # One duty practitioner per organisation sets that organisation's demo indicators.
        setters = {o.code: uuid.uuid4() for o in orgs}
        sensitive = frozenset(o.code for o in orgs if o.kind in SENSITIVE_KINDS)
        await conn.copy_records_to_table(
            "users", columns=("id", "name", "org_id", "role", "phone", "email"),
            records=[(setters[o.code], "Duty Practitioner", org_ids[o.code], "practitioner", o.phone, o.email)
                     for o in orgs])
        # Each batch is prepared (generated, keyed, turned into rows) in a thread while the
        # one before is written: the Python side and PostgreSQL work at the same time.
        batches = _batches(stream, lambda batch: _prepare(batch, org_ids, setters, sensitive, model))
        done = 0
        pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
        try:
            while (prepared := await pending) is not None:
                pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
                await _write(conn, prepared, model.version)
                done += len(prepared.children)
                if on_batch:
                    on_batch(done, n_children)
        finally:
            pending.cancel()
        if key_indexes:
            await conn.execute(SQL["index_build_memory"])
            for definition in key_indexes:
                await conn.execute(definition)
    await conn.execute("ANALYZE")
    return {"children": done, "loaded": True}


async def _drop_key_indexes(conn: asyncpg.Connection) -> list[str]:
    """An empty match_keys loses its indexes for the load (the caller builds them again
    from the definitions returned, in the same transaction): one sorted build instead of
    fifteen random index insertions per child. Nothing is dropped if keys exist or the
    role may not (it does not own the table)."""
    if await conn.fetchval(SQL["any_match_key"]):
        return []
    found = await conn.fetch(SQL["match_key_indexes"])
    try:
        async with conn.transaction():
            for index in found:
                await conn.execute("DROP INDEX " + index["name"])
    except asyncpg.InsufficientPrivilegeError:
        return []
    return [index["indexdef"] for index in found]


def census_row(c: DemoChild) -> CensusRow:
    """The demo child as its LA's own system records it (a census row of that source)."""
    return CensusRow(
        row=0, record_id=f"DEMO{c.index}", forename=c.forename, surname=c.surname, dob=c.dob,
        **registry.first_values(c), middle_names=c.middle_names, preferred_forename=c.preferred_forename,
        preferred_surname=c.preferred_surname, former_surname=c.former_surnames[0] if c.former_surnames else None,
        gender=GENDER.get(c.sex, "U"), address_line1=c.address_line1, address_line2=c.address_line2, town=c.town,
        postcode=c.postcode,
        carers=tuple(Carer(k.forename, k.surname, k.relationship, k.parental_responsibility, k.phone)
                     for k in c.carers))


def _batches(stream, prepare) -> Iterator[_Batch]:
    batch: list[DemoChild] = []
    for child in stream:
        batch.append(child)
        if len(batch) >= BATCH:
            yield prepare(batch)
            batch = []
    if batch:
        yield prepare(batch)


@dataclass(slots=True)
class _Batch:
    """A batch of demo children as rows to COPY."""
    new: records.NewRecords
    children: list[tuple] = field(default_factory=list)
    former: list[tuple] = field(default_factory=list)
    names: list[tuple] = field(default_factory=list)
    idents: list[tuple] = field(default_factory=list)
    carers: list[tuple] = field(default_factory=list)
    involvements: list[tuple] = field(default_factory=list)
    indicators: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)


def _prepare(batch: list[DemoChild], org_ids: dict[str, int], setters: dict[str, uuid.UUID],
             sensitive: frozenset[str], model: mmodel.Model) -> _Batch:
    """`sensitive`: the codes of sensitive services, whose demo involvements say consent was given."""
    la_orgs = [org_ids[f"LA{c.la_code}"] for c in batch]
    out = _Batch(records.prepare_new(la_orgs, [census_row(c) for c in batch], model.blocking_rules))
    for sid, la_org, c in zip(out.new.ids, la_orgs, batch):
        cid = uuid.uuid4()
        new = registry.NewChild(
            forename=c.forename, middle_names=c.middle_names, surname=c.surname,
            preferred_forename=c.preferred_forename, preferred_surname=c.preferred_surname,
            former_surnames=list(c.former_surnames), sex=c.sex, dob=c.dob, owning_la=c.la_code,
            **{name: getattr(c, name) for name in map(registry.field_of, schemes.SCHEMES)},
        )
        out.children.append((cid, c.forename, c.middle_names, c.surname, c.preferred_forename, c.preferred_surname,
                             c.sex, c.dob, ADDRESS_STATES.get(c.address_state, c.address_state), c.address_line1,
                             c.address_line2, c.town, c.postcode, c.la_code))
        out.former.extend((cid, s) for s in c.former_surnames)
        out.names.extend((cid, *row) for row in registry.search_name_rows(new))
        out.idents.extend((cid, *row, la_org) for row in registry.identifier_rows(new))
        out.carers.extend((cid, k.forename, k.surname, k.relationship, k.parental_responsibility, k.phone, k.email,
                           la_org) for k in c.carers)
        out.links.append((sid, cid, "new", None))
        for inv in c.involvements:
            iid = uuid.uuid4()
            out.involvements.append((iid, cid, org_ids[inv.org_code], inv.contact_name, inv.contact_phone,
                                     inv.contact_email, inv.start_date, inv.end_date, "demo",
                                     "consent_given" if inv.org_code in sensitive else None))
            if inv.end_date is None:
                out.indicators.extend((iid, kind, setters[inv.org_code]) for kind in inv.indicators)
    return out


async def _write(conn: asyncpg.Connection, b: _Batch, model_version: str) -> None:
    await records.write_new(conn, b.new)
    await conn.copy_records_to_table("children", records=b.children, columns=CHILD_COLUMNS)
    await conn.copy_records_to_table("child_former_names", records=b.former, columns=("child_id", "surname"))
    await conn.copy_records_to_table("child_search_names", records=b.names,
                                     columns=("child_id", "kind", "forename_key", "surname_key", "dob"))
    await conn.copy_records_to_table("child_identifiers", records=b.idents, columns=(
        "child_id", "scheme", "raw_value", "value", "valid", "temporary", "source_org_id"))
    await conn.copy_records_to_table("carers", records=b.carers, columns=(
        "child_id", "forename", "surname", "relationship", "parental_responsibility", "phone", "email",
        "source_org_id"))
    await apply.link_many(conn, b.links, model_version=model_version, feed_id=None)
    await conn.copy_records_to_table("involvements", records=b.involvements, columns=INVOLVEMENT_COLUMNS)
    await conn.copy_records_to_table("indicators", records=b.indicators, columns=("involvement_id", "kind", "set_by"))


async def issue_tokens(conn: asyncpg.Connection, *, days: int) -> dict[str, str]:
    """A fresh token for each demo role's user (created on first use)."""
    tokens = {}
    for role, (name, kind) in DEMO_USERS.items():
        user_id = await conn.fetchval(SQL["demo_user"], name, role)
        if user_id is None:
            org = await conn.fetchrow(SQL["first_org_of_kind"], kind)
            user_id = await auth.add_user(conn, name=name, org_code=org["code"], role=role, la_code=org["la_code"],
                                          phone="01632 960999", email=f"{role}@demo.example.org")
        tokens[role] = (await auth.issue_token(conn, user_id, days=days)).token
    return tokens


async def issue_links(conn: asyncpg.Connection) -> dict[str, str]:
    """A one-time sign-in link token (index.sessions) for each demo role's user; after
    issue_tokens, which creates the users."""
    links = {}
    for role, (name, _kind) in DEMO_USERS.items():
        user_id = await conn.fetchval(SQL["demo_user"], name, role)
        if user_id is not None:
            links[role] = (await sessions.issue_link(conn, user_id)).token
    return links
