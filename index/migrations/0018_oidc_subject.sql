-- Single sign-on by the provider's subject (issue 14): with ISINDEX_OIDC_CLAIM=sub a
-- user is found by the ID token's `sub`, which, unlike an e-mail address, the provider
-- never reassigns. Set with `isindex user add --oidc-subject`; unique, so one subject
-- signs in one user.
ALTER TABLE users ADD COLUMN oidc_subject text
    CONSTRAINT users_oidc_subject_unique UNIQUE
    -- OpenID Connect Core 1.0 section 2: at most 255 ASCII characters; printable, no spaces.
    CONSTRAINT users_oidc_subject_ascii CHECK (oidc_subject ~ '^[!-~]{1,255}$');
