import pytest

from matching import table

BASE = {
    "record_id": "a", "forename": "Amelia", "middle_names": "Rose", "surname": "Testwood",
    "preferred_forename": "", "preferred_surname": "", "former_surname": "", "dob": "2015-03-14",
    "gender": "F", "address_line1": "12 Mill Lane", "town": "Peterborough", "postcode": "PE1 1AA",
    "upn": "", "former_upn": "", "uln": "", "nhs_number": "",
    "carer1_forename": "Sarah", "carer1_surname": "Testwood", "carer2_forename": "", "carer2_surname": "",
}


def record(**changes) -> dict:
    return {**BASE, **changes}


@pytest.fixture
def tables():
    """Build (L, R) tables sharing vocabularies from two lists of record dicts."""
    def build(left: list[dict], right: list[dict]):
        vocabs = table.Vocabs()
        return table.build(vocabs, left), table.build(vocabs, right)
    return build
