import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import table
from matching.table import MISSING


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
                          st.none()), min_size=1, max_size=20))
def test_date_parts_are_derived_exactly(dates):
    rows = [{"record_id": str(i), "forename": "A", "surname": "B", "dob": d.isoformat() if d else ""}
            for i, d in enumerate(dates)]
    t = table.build(table.Vocabs(), rows)
    for i, d in enumerate(dates):
        expected = (d.year, d.month, d.day) if d else (MISSING, MISSING, MISSING)
        assert (t["year"][i], t["month"][i], t["day"][i]) == expected


def test_values_are_normalised_once_and_shared_across_tables():
    vocabs = table.Vocabs()
    left = table.build(vocabs, [{"record_id": "1", "forename": "Zoë", "surname": "O'Brien", "dob": "14/03/2015",
                                 "postcode": "pe1 1aa", "upn": "", "nhs_number": "999 000 0018"}])
    right = table.build(vocabs, [{"record_id": "2", "forename": "ZOE", "surname": "OBRIEN", "dob": "2015-03-14",
                                  "postcode": "PE11AA", "upn": "", "nhs_number": "9990000018"}])
    for column in ("forename", "surname", "dob", "pc_unit", "pc_sector", "pc_district", "surname_sound", "nhs_number"):
        assert left[column][0] == right[column][0] != MISSING, column
    assert vocabs.names.values[left["forename"][0]] == "zoe"
    assert vocabs.places.values[left["pc_unit"][0]] == "PE1 1AA"


def test_known_ids_only_keeps_agreement_and_conflict_without_new_codes():
    from matching import compare
    from tests.factories import upn
    from tests.matching.conftest import record
    vocabs = table.Vocabs()
    incoming = table.build(vocabs, [record(upn=upn(serial=1))])
    before = len(vocabs.ids)
    carers = len(vocabs.full_names)
    existing = table.build(vocabs, [record(upn=upn(serial=1)), record(upn=upn(serial=2), carer1_forename="Zed"),
                                    record(upn=upn(serial=3), carer1_forename="Yan"), record(upn="")],
                           known_ids_only=True)
    assert len(vocabs.ids) == before + 1          # one shared code for every unknown identifier
    assert len(vocabs.full_names) == carers + 1   # and for every unknown carer
    codes = existing["upn"].tolist()
    assert codes[0] == incoming["upn"][0]
    assert codes[1] == codes[2] != incoming["upn"][0] and codes[3] == MISSING
    full = table.build(table.Vocabs(), [record(upn=upn(serial=1)), record(upn=upn(serial=1)),
                                        record(upn=upn(serial=2), carer1_forename="Zed"),
                                        record(upn=upn(serial=3), carer1_forename="Yan"), record(upn="")])
    # The same comparison levels as a table with a code per identifier.
    left, right = [0, 1, 2, 3], [0, 0, 0, 0]
    import numpy as np
    got = compare.compare(existing, incoming, np.array(left), np.array(right))
    want = compare.compare(full, full.subset([0]), np.array([1, 2, 3, 4]), np.array(right))
    assert got.tolist() == want.tolist()
