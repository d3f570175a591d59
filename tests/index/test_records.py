"""The shared Structs of index.records, and those derived from them, encode as before:
the same keys in the same order, the defaults a record leaves out left out."""

import datetime as dt

import msgspec
import pytest

from index import records, review, sar

AT = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


@pytest.mark.parametrize("value, expected", [
    (records.Contact(name="A Smith"), {"name": "A Smith"}),
    (records.Contact(phone="01", organisation="School"), {"phone": "01", "organisation": "School"}),
    (sar.Contact(name="A Smith"), {"name": "A Smith", "phone": None, "email": None}),
    (records.Organisation("873", "la", "Cambridgeshire", False),
     {"code": "873", "kind": "la", "name": "Cambridgeshire", "sensitive": False, "phone": None, "email": None}),
    (sar.OrgRef("873", "la", "Cambridgeshire"), {"code": "873", "kind": "la", "name": "Cambridgeshire"}),
    (records.Identifier("upn", "A1", True, False),
     {"scheme": "upn", "value": "A1", "valid": True, "temporary": False, "source": None}),
    (review.Identifier("upn", "A1", True), {"scheme": "upn", "value": "A1", "valid": True}),
    (sar.Identifier(scheme="upn", value="A1", raw_value="a1", valid=True, temporary=False, recorded_at=AT),
     {"scheme": "upn", "value": "A1", "raw_value": "a1", "valid": True, "temporary": False, "source": None,
      "source_name": None, "recorded_at": "2026-01-02T03:04:00Z"}),
    (records.FormerName("Smith"), {"surname": "Smith", "forename": None}),
    (sar.FormerName("Smith", recorded_at=AT),
     {"surname": "Smith", "forename": None, "recorded_at": "2026-01-02T03:04:00Z"}),
    (records.Carer("Smith"), {"surname": "Smith", "forename": None, "relationship": "OTH",
                              "parental_responsibility": None, "phone": None, "email": None}),
    (sar.Carer(surname="Smith", relationship="MUM", source="873"),
     {"surname": "Smith", "forename": None, "relationship": "MUM", "parental_responsibility": None,
      "phone": None, "email": None, "source": "873"}),
    (records.Address("current", town="Ely"),
     {"state": "current", "line1": None, "line2": None, "town": "Ely", "postcode": None}),
])
def test_encoding(value, expected):
    got = msgspec.json.decode(msgspec.json.encode(value))
    assert (list(got), got) == (list(expected), expected)


def test_the_export_uses_the_shared_address():
    assert sar.Address is records.Address
