-- Browser sign-in (issue 14): server-side sessions behind the isindex_session cookie, and
-- one-time sign-in links. Only the SHA-256 of a session id or a link token is stored, as
-- for bearer tokens; the CSRF token is not a credential on its own and is kept as issued.
CREATE TABLE sessions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_hash  bytea NOT NULL UNIQUE CHECK (length(session_hash) = 32),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    text NOT NULL CHECK (csrf_token ~ '^[A-Za-z0-9_-]{43}$'),
    via           text NOT NULL CHECK (via IN ('link', 'oidc')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE signin_links (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    link_hash   bytea NOT NULL UNIQUE CHECK (length(link_hash) = 32),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX signin_links_user ON signin_links (user_id);

-- An OIDC sign-in under way (api/routes/oidc.py): the state's hash, the nonce and the
-- PKCE verifier kept server-side for ten minutes, and where to go after signing in.
CREATE TABLE oidc_logins (
    state_hash     bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    nonce          text NOT NULL CHECK (nonce ~ '^[A-Za-z0-9_-]{43}$'),
    code_verifier  text NOT NULL CHECK (code_verifier ~ '^[A-Za-z0-9_-]{43}$'),
    next_path      text NOT NULL CHECK (next_path ~ '^/[^/\\]' OR next_path = '/') CHECK (length(next_path) <= 501),
    created_at     timestamptz NOT NULL DEFAULT now()
);
