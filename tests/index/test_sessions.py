"""Browser sessions and one-time sign-in links (index/sessions.py) on a real database."""

import pytest

from index import auth, errors, sessions
from tests import factories

IDLE = 15


@pytest.fixture
async def user_id(conn):
    """The seeded practitioner (practitioner@example.org)."""
    await factories.seed_orgs(conn)
    tokens = await factories.seed_users(conn)
    return (await auth.authenticate(conn, tokens["practitioner"])).user_id


async def test_a_new_session_yields_the_users_principal_and_its_csrf_token(conn, user_id):
    opened = await sessions.create(conn, user_id, via="link")
    live = await sessions.authenticate(conn, opened.cookie, idle_minutes=IDLE)
    assert live.principal.user_id == user_id and live.principal.role == "practitioner"
    assert live.csrf_token == opened.csrf_token and live.session_id == opened.session_id
    stored = await conn.fetchval("SELECT session_hash FROM sessions WHERE id = $1", opened.session_id)
    assert opened.cookie.encode() not in stored and len(stored) == 32


# (what happens to the session or its user, the error the look-up then raises)
ENDINGS = [
    ("UPDATE sessions SET last_seen_at = now() - interval '16 minutes' WHERE id = $1", errors.Unauthenticated),
    ("UPDATE sessions SET created_at = now() - interval '13 hours' WHERE id = $1", errors.Unauthenticated),
    ("UPDATE sessions SET revoked_at = now() WHERE id = $1", errors.Unauthenticated),
    ("UPDATE users SET active = false WHERE id = (SELECT user_id FROM sessions WHERE id = $1)",
     errors.Unauthenticated),
    ("UPDATE users SET suspended_at = now() WHERE id = (SELECT user_id FROM sessions WHERE id = $1)",
     auth.Suspended),
]


@pytest.mark.parametrize("change, error", ENDINGS)
async def test_a_session_ends(conn, user_id, change, error):
    opened = await sessions.create(conn, user_id, via="link")
    await conn.execute(change, opened.session_id)
    with pytest.raises(error):
        await sessions.authenticate(conn, opened.cookie, idle_minutes=IDLE)


async def test_use_keeps_a_session_alive_past_the_idle_time_of_its_start(conn, user_id):
    opened = await sessions.create(conn, user_id, via="link")
    await conn.execute("UPDATE sessions SET created_at = now() - interval '1 hour', "
                       "last_seen_at = now() - interval '14 minutes' WHERE id = $1", opened.session_id)
    await sessions.authenticate(conn, opened.cookie, idle_minutes=IDLE)
    seen = await conn.fetchval("SELECT now() - last_seen_at FROM sessions WHERE id = $1", opened.session_id)
    assert seen.total_seconds() < 5


async def test_the_idle_time_is_configurable(conn, user_id):
    opened = await sessions.create(conn, user_id, via="link")
    await conn.execute("UPDATE sessions SET last_seen_at = now() - interval '16 minutes' WHERE id = $1",
                       opened.session_id)
    await sessions.authenticate(conn, opened.cookie, idle_minutes=30)


async def test_revoking_a_users_tokens_revokes_their_sessions(conn, user_id):
    opened = await sessions.create(conn, user_id, via="link")
    await auth.revoke_user_tokens(conn, user_id)
    with pytest.raises(errors.Unauthenticated):
        await sessions.authenticate(conn, opened.cookie, idle_minutes=IDLE)


@pytest.mark.parametrize("change", ["UPDATE users SET suspended_at = now() WHERE id = $1",
                                    "UPDATE users SET active = false WHERE id = $1"])
async def test_a_suspended_or_inactive_user_gets_no_session(conn, user_id, change):
    await conn.execute(change, user_id)
    with pytest.raises(errors.Unauthenticated):
        await sessions.create(conn, user_id, via="link")


@pytest.mark.parametrize("cookie", ["", "short", "x" * 43, "y" * 200])
async def test_an_unknown_or_malformed_cookie_is_refused(conn, user_id, cookie):
    with pytest.raises(errors.Unauthenticated):
        await sessions.authenticate(conn, cookie, idle_minutes=IDLE)


async def test_sign_out_needs_the_sessions_csrf_token(conn, user_id):
    opened = await sessions.create(conn, user_id, via="link")
    for wrong in (None, "", "x" * 43):
        with pytest.raises(errors.Forbidden):
            await sessions.end(conn, opened.cookie, wrong)
    assert (await sessions.end(conn, opened.cookie, opened.csrf_token)).user_id == user_id
    assert await sessions.end(conn, opened.cookie, opened.csrf_token) is None
    with pytest.raises(errors.Unauthenticated):
        await sessions.authenticate(conn, opened.cookie, idle_minutes=IDLE)


async def test_a_link_is_good_once(conn, user_id):
    link = await sessions.issue_link(conn, user_id)
    assert await sessions.use_link(conn, link.token) == user_id
    with pytest.raises(errors.Unauthenticated):
        await sessions.use_link(conn, link.token)


async def test_an_expired_link_is_refused(conn, user_id):
    link = await sessions.issue_link(conn, user_id)
    await conn.execute("UPDATE signin_links SET expires_at = now() - interval '1 second' WHERE id = $1",
                       link.link_id)
    with pytest.raises(errors.Unauthenticated):
        await sessions.use_link(conn, link.token)


async def test_user_by_email(conn, user_id):
    assert await sessions.user_by_email(conn, "PRACTITIONER@example.org") == user_id
    with pytest.raises(errors.NotFound):
        await sessions.user_by_email(conn, "nobody@example.org")
