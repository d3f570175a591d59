"""An error raised while a dependency cleans up (the audited transaction's rollback when
the connection was lost mid-request, as in a failover) reaches the error map wrapped by
Litestar in an ExceptionGroup: a group of one domain error answers as that error does."""

import pytest
from litestar.testing import RequestFactory

from api import errors as api_errors
from index import errors


@pytest.mark.parametrize("exc, status", [
    (ExceptionGroup("cleanup", [errors.Unavailable("the database connection was lost")]), 503),
    (ExceptionGroup("cleanup", [errors.Conflict("already exists")]), 409),
    (ExceptionGroup("cleanup", [ValueError("a bug")]), 500),
    (ExceptionGroup("cleanup", [errors.Unavailable("a"), errors.Unavailable("b")]), 500),
    (ValueError("a bug"), 500),
])
def test_a_group_of_one_domain_error_answers_as_that_error(exc, status):
    request = RequestFactory().get("/children/x", headers={"Accept": "application/json"})
    response = api_errors.unexpected_error(request, exc)
    assert response.status_code == status
    if status == 503:
        assert response.content["detail"] == "the database connection was lost"
