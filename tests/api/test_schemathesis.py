"""Schemathesis against the generated OpenAPI document, once per role: requests generated
from the document (valid and invalid ones) never get a 5xx, and every answer conforms to
the document (status code, content type, headers and body schema).

The examples are bounded (`EXAMPLES` per operation and role, derandomised so that a run is
repeatable). The database is one per module, seeded with the test organisations, a user
of each role and a few children; the misuse rules alert rather than suspend, so that one
role's burst of generated searches does not lock it out of the rest of the run.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
import schemathesis
from schemathesis.python import asgi
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from index import db, registry
from tests import factories
from tests.conftest import TEMPLATE

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
TOKENS: dict[str, str] = {}


async def _seed(server_url: str, name: str) -> dict[str, str]:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    finally:
        await admin.close()
    conn = await asyncpg.connect(db.with_database(server_url, name))
    try:
        await factories.seed_orgs(conn)
        tokens = await factories.seed_users(conn)
        await conn.execute("UPDATE misuse_rules SET action = 'alert'")
        for serial in range(1, 4):
            await registry.create_child(conn, factories.child(
                forename=["Amelia", "Ben", "Cara"][serial - 1], nhs_number=factories.nhs_number(serial),
                upn=factories.upn(serial=serial)))
        return tokens
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def served(server_url, template_url):
    """The app on this module's database (started by the first request, in schemathesis's
    loop), and one client for all the module's requests: schemathesis would otherwise build a
    session per request and read the proxy settings from the environment for each."""
    name = "t_st_" + uuid.uuid4().hex[:12]
    TOKENS.update(asyncio.run(_seed(server_url, name)))
    app = create_app(db.with_database(server_url, name), max_body_bytes=64 * 1024, pool_min=1, pool_max=4)
    with asgi.get_client(app) as client:
        client.trust_env = False
        yield client


# The document the service serves (built without a database: it depends on the code only).
schema = schemathesis.openapi.from_dict(create_app("postgresql://unused@localhost/unused").openapi_schema.to_schema())


@pytest.mark.parametrize("role", sorted(factories.ROLE_ORGS))
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.generate])
def test_generated_requests_get_documented_answers_and_no_server_error(case, role, served):
    case.call_and_validate(session=served, headers={"Authorization": f"Bearer {TOKENS[role]}"}, checks=CHECKS)
