"""The LA-scope rule (policy.manages): the one place that says who is "the owning LA's
data manager"."""

import uuid

import pytest

from index import policy
from index.auth import Principal


def who(role: str, la_code: str | None) -> Principal:
    return Principal(user_id=uuid.uuid4(), name="x", role=role, org_id=1, org_code="ORG", org_kind="local_authority",
                     la_code=la_code, phone=None, email=None)


@pytest.mark.parametrize("principal, la, manages", [
    (who("la_data_manager", "873"), "873", True),
    (who("la_data_manager", "873"), "874", False),       # another LA's
    (who("la_data_manager", None), None, False),          # no LA: manages nothing, not "every LA"
    (who("la_data_manager", "873"), None, False),
    # Other roles carry their organisation's LA, and manage nothing.
    (who("practitioner", "873"), "873", False),
    (who("school", "873"), "873", False),
    (who("auditor", "873"), "873", False),
    (who("admin", "873"), "873", False),
])
def test_only_a_data_manager_of_that_la_manages_it(principal, la, manages):
    assert policy.manages(principal, la) is manages
    assert policy.managed_la(principal) == (principal.la_code if principal.role == "la_data_manager" else None)
