-- Browser sessions and one-time sign-in links (index/sessions.py).

-- create --
-- A session for an active, unsuspended user; no row when the user may not sign in.
INSERT INTO sessions (session_hash, user_id, csrf_token, via)
SELECT $1, u.id, $3, $4
  FROM users u
 WHERE u.id = $2 AND u.active AND u.suspended_at IS NULL
RETURNING id

-- touch --
-- The principal of a live session (not revoked, seen within the idle minutes $2, begun
-- within the absolute hours $3, its user active), its last_seen_at moved to now.
UPDATE sessions s
   SET last_seen_at = now()
  FROM users u
  JOIN organisations o ON o.id = u.org_id
 WHERE s.session_hash = $1 AND u.id = s.user_id AND s.revoked_at IS NULL
   AND s.last_seen_at > now() - make_interval(mins => $2)
   AND s.created_at > now() - make_interval(hours => $3)
   AND u.active
RETURNING s.id AS session_id, s.csrf_token,
          u.id AS user_id, u.name, u.role, coalesce(u.la_code, o.la_code) AS la_code, u.phone, u.email,
          u.capabilities, u.suspended_at, o.id AS org_id, o.code AS org_code, o.kind AS org_kind

-- of_cookie --
-- A session as it is, live or not, and whose it is (for sign-out).
SELECT s.id AS session_id, s.csrf_token, s.revoked_at, u.id AS user_id, u.role, o.code AS org_code
  FROM sessions s
  JOIN users u ON u.id = s.user_id
  JOIN organisations o ON o.id = u.org_id
 WHERE s.session_hash = $1

-- revoke --
UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL

-- revoke_user --
-- Every open session of a user (with `isindex token revoke --user`).
UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL

-- add_link --
INSERT INTO signin_links (link_hash, user_id, expires_at) VALUES ($1, $2, $3) RETURNING id

-- use_link --
-- A link is good once, before it expires.
UPDATE signin_links SET used_at = now()
 WHERE link_hash = $1 AND used_at IS NULL AND expires_at > now()
RETURNING user_id

-- user_by_email --
SELECT id FROM users WHERE lower(email) = lower($1) AND active

-- user_by_oidc_subject --
SELECT id FROM users WHERE oidc_subject = $1 AND active

-- begin_oidc --
-- An OIDC sign-in begun; older unfinished ones (over ten minutes) are dropped here.
WITH dropped AS (DELETE FROM oidc_logins WHERE created_at < now() - interval '10 minutes')
INSERT INTO oidc_logins (state_hash, nonce, code_verifier, next_path) VALUES ($1, $2, $3, $4)

-- finish_oidc --
-- The sign-in the state names, begun within ten minutes; good once.
DELETE FROM oidc_logins WHERE state_hash = $1 AND created_at > now() - interval '10 minutes'
RETURNING nonce, code_verifier, next_path
