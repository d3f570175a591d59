-- Privacy rules (issue 5): capabilities and suspension, shielding with a reason,
-- consent for sensitive services, the Connexions opt-out, investigations (shield
-- overrides and emergency views) and transfers between local authorities.

-- A user's capabilities beyond their role; a suspended user's tokens get 403.
ALTER TABLE users
    ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}'
        CONSTRAINT users_capabilities_known CHECK (capabilities <@ ARRAY['child_protection']::text[]),
    ADD COLUMN suspended_at timestamptz;

-- Shielding: why, and since when (codes only, never free text).
ALTER TABLE children
    ADD COLUMN shield_reason text CONSTRAINT children_shield_reason_known CHECK (shield_reason IN (
        'domestic_abuse', 'witness_protection', 'adoption', 'risk_of_significant_harm')),
    ADD COLUMN shielded_at timestamptz;

-- Sensitive services: an involvement is recorded only on a consent basis, with who
-- recorded it (a practitioner; demo data and LA loads have none).
ALTER TABLE involvements
    ADD COLUMN consent_basis text CONSTRAINT involvements_consent_basis_known CHECK (consent_basis IN (
        'consent_given', 'significant_harm')),
    ADD COLUMN consent_recorded_by uuid REFERENCES users (id),
    ADD COLUMN consent_recorded_at timestamptz;

CREATE FUNCTION involvements_sensitive_consent() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.consent_basis IS NULL
       AND (SELECT sensitive FROM organisations WHERE id = NEW.org_id) THEN
        RAISE EXCEPTION 'an involvement of a sensitive service needs a consent basis'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'involvements_sensitive_consent',
                  TABLE = 'involvements', COLUMN = 'consent_basis';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER involvements_sensitive_consent
    BEFORE INSERT OR UPDATE OF org_id, consent_basis ON involvements
    FOR EACH ROW EXECUTE FUNCTION involvements_sensitive_consent();

-- Connexions restriction: at most one opt-out per child.
CREATE TABLE connexions_opt_outs (
    child_id        uuid PRIMARY KEY REFERENCES children (id) ON DELETE CASCADE,
    requested_by    text NOT NULL CHECK (requested_by IN ('parent', 'pupil')),
    received_via    text NOT NULL CHECK (received_via IN ('la', 'school')),
    recorded_by     uuid NOT NULL REFERENCES users (id),
    recorded_at     timestamptz NOT NULL DEFAULT now()
);

-- Items the owning LA must look into: a shield override, an emergency view. The child
-- is kept as an id only (no foreign key), so a purge leaves the item.
CREATE TABLE investigations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind IN ('shield_override', 'emergency_view')),
    child_id    uuid NOT NULL,
    la_code     text NOT NULL REFERENCES local_authorities (code),
    user_id     uuid NOT NULL REFERENCES users (id),
    request_id  uuid NOT NULL,
    opened_at   timestamptz NOT NULL DEFAULT now(),
    due_at      timestamptz NOT NULL,
    closed_at   timestamptz,
    closed_by   uuid REFERENCES users (id),
    outcome     text CHECK (outcome IN ('justified', 'not_justified', 'referred')),
    CONSTRAINT investigations_closed CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX investigations_open ON investigations (la_code, due_at) WHERE closed_at IS NULL;
CREATE INDEX investigations_child ON investigations (child_id);

-- A child moves to another LA only when the receiving LA accepts.
CREATE TABLE transfer_requests (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    child_id        uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    from_la         text NOT NULL REFERENCES local_authorities (code),
    to_la           text NOT NULL REFERENCES local_authorities (code),
    status          text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn')),
    requested_by    uuid NOT NULL REFERENCES users (id),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamptz,
    CONSTRAINT transfer_requests_two_las CHECK (from_la <> to_la),
    CONSTRAINT transfer_requests_decided CHECK ((status = 'requested') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX transfer_requests_one_open ON transfer_requests (child_id) WHERE status = 'requested';
CREATE INDEX transfer_requests_to ON transfer_requests (to_la) WHERE status = 'requested';
