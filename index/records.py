"""What the store returns: msgspec Structs, never driver rows.

The shapes that recur are defined here once: index.review and index.sar use them, or
derive from them where they show more (a subject-access export's provenance). A
derived Struct's own fields come after the ones it inherits, in the JSON as here.
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class ContactDetails(msgspec.Struct):
    """Who to contact, every field written (null where unknown): the subject-access export's."""
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class Contact(ContactDetails, omit_defaults=True):
    """A contact as a child's record shows it: fields not known are left out."""
    organisation: str | None = None


class OrgRef(msgspec.Struct):
    """An organisation named by its code, kind and name."""
    code: str
    kind: str
    name: str


class Organisation(OrgRef):
    sensitive: bool
    phone: str | None = None
    email: str | None = None


class IdentifierValue(msgspec.Struct):
    """An identifier and whether it passed its scheme's check (a review candidate's)."""
    scheme: str
    value: str
    valid: bool


class Identifier(IdentifierValue):
    temporary: bool
    source: str | None = None


class FormerName(msgspec.Struct):
    surname: str
    forename: str | None = None


class Carer(msgspec.Struct):
    surname: str
    forename: str | None = None
    relationship: str = "OTH"
    parental_responsibility: bool | None = None
    phone: str | None = None
    email: str | None = None


class Indicator(msgspec.Struct):
    id: uuid.UUID
    kind: str
    set_at: dt.datetime
    set_by: Contact
    # Who set it, by user id: only they may clear it (the child page offers them a button).
    set_by_id: uuid.UUID | None = None


class Involvement(msgspec.Struct):
    id: uuid.UUID
    organisation: Organisation | None
    contact: Contact | None
    start_date: dt.date
    end_date: dt.date | None = None
    indicators: list[Indicator] = []
    notice: str | None = None


class Address(msgspec.Struct):
    state: str
    line1: str | None = None
    line2: str | None = None
    town: str | None = None
    postcode: str | None = None


class ChildRecord(msgspec.Struct):
    id: uuid.UUID
    forename: str
    surname: str
    sex: str | None          # None only in a Connexions-restricted view
    dob: dt.date | None      # None only in a Connexions-restricted view
    owning_la: str
    shielded: bool
    shield_reason: str | None = None
    connexions_opt_out: bool = False
    middle_names: str | None = None
    preferred_forename: str | None = None
    preferred_surname: str | None = None
    former_names: list[FormerName] = []
    address: Address | None = None
    identifiers: list[Identifier] = []
    carers: list[Carer] = []
    involvements: list[Involvement] = []
    notice: str | None = None
    archived_at: dt.datetime | None = None   # seen by the owning LA only (index.retention)
    died_on: dt.date | None = None


class MatchField(msgspec.Struct):
    """How one compared field agreed, and the evidence it gave (bits, + for a match)."""
    field: str
    level: str
    bits: float


class SearchHit(msgspec.Struct):
    """A search result: score is the match probability, weight its log2 odds, grade as
    FHIR PDQm's $match (certain, probable, possible), match the per-field explanation,
    reading how the query was read (as_given, names_swapped, forename_and_middle). An
    identifier search's hit is certain, with no weight."""
    id: uuid.UUID
    score: float
    forename: str
    surname: str
    sex: str | None          # None only in a Connexions-restricted hit
    dob: dt.date | None
    preferred_forename: str | None = None
    preferred_surname: str | None = None
    town: str | None = None
    postcode_district: str | None = None
    shielded: bool = False
    grade: str = "possible"
    weight: float | None = None
    reading: str | None = None
    match: list[MatchField] = []
