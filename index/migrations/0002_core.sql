-- The minimal data set. No free-text column exists apart from names, addresses and
-- contact details: every other text column is a code, checked here.

CREATE TABLE local_authorities (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{3}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100)
);

CREATE TABLE organisations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL CONSTRAINT organisations_code_key UNIQUE
                    CHECK (code ~ '^[A-Z0-9]{3,12}$'),
    kind            text NOT NULL CHECK (kind IN (
                        'school', 'gp', 'health_visiting', 'social_care', 'youth_justice',
                        'connexions', 'local_authority', 'sexual_health', 'mental_health',
                        'substance_misuse')),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    la_code         text REFERENCES local_authorities (code),
    urn             text CHECK (urn ~ '^[0-9]{6}$'),
    laestab         text CHECK (laestab ~ '^[0-9]{7}$'),
    ods_code        text CHECK (ods_code ~ '^[A-Z][0-9]{5}$'),
    phone           text CHECK (phone ~ '^\+?[0-9 ()-]{6,20}$'),
    email           text CHECK (email ~ '^[^@\s]{1,64}@[^@\s]{1,190}$'),
    address_line1   text CHECK (length(address_line1) <= 100),
    town            text CHECK (length(town) <= 60),
    postcode        text CHECK (length(postcode) <= 9),
    sensitive       boolean GENERATED ALWAYS AS
                    (kind IN ('sexual_health', 'mental_health', 'substance_misuse')) STORED,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE children (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    forename            text NOT NULL CHECK (length(forename) BETWEEN 1 AND 100),
    middle_names        text CHECK (length(middle_names) <= 200),
    surname             text NOT NULL CHECK (length(surname) BETWEEN 1 AND 100),
    preferred_forename  text CHECK (length(preferred_forename) <= 100),
    preferred_surname   text CHECK (length(preferred_surname) <= 100),
    sex                 text NOT NULL CHECK (sex IN ('male', 'female', 'not_specified')),
    dob                 date NOT NULL CHECK (dob > '1990-01-01'),
    address_state       text NOT NULL DEFAULT 'known' CHECK (address_state IN (
                            'known', 'last_known', 'no_fixed_abode',
                            'left_england_expected_back', 'left_england_not_expected_back')),
    address_line1       text CHECK (length(address_line1) <= 100),
    address_line2       text CHECK (length(address_line2) <= 100),
    town                text CHECK (length(town) <= 60),
    postcode            text CHECK (length(postcode) <= 9),
    owning_la           text NOT NULL REFERENCES local_authorities (code),
    shielded            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT children_no_address_when_nfa CHECK (
        address_state <> 'no_fixed_abode' OR (address_line1 IS NULL AND postcode IS NULL))
);
CREATE INDEX children_dob ON children (dob);

CREATE TABLE child_former_names (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id    uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    forename    text CHECK (length(forename) <= 100),
    surname     text NOT NULL CHECK (length(surname) BETWEEN 1 AND 100),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX child_former_names_child ON child_former_names (child_id);

-- Search keys: one row per (child, name form), folded by matching.normalise.
-- kind: legal, preferred, former, part (one part of a multi-part surname).
CREATE TABLE child_search_names (
    child_id        uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('legal', 'preferred', 'former', 'part')),
    forename_key    text NOT NULL CHECK (length(forename_key) <= 100),
    surname_key     text NOT NULL CHECK (length(surname_key) BETWEEN 1 AND 100),
    surname_sound   text GENERATED ALWAYS AS (dmetaphone(surname_key)) STORED,
    birth_year      smallint NOT NULL CHECK (birth_year BETWEEN 1990 AND 2200)
);
CREATE INDEX child_search_names_child ON child_search_names (child_id);
CREATE INDEX child_search_names_sound ON child_search_names (surname_sound, birth_year);

CREATE TABLE child_identifiers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id        uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    scheme          text NOT NULL CHECK (scheme IN ('upn', 'former_upn', 'uln', 'nhs_number')),
    raw_value       text NOT NULL CHECK (length(raw_value) BETWEEN 1 AND 40),
    value           text NOT NULL CHECK (value ~ '^[A-Z0-9]{1,20}$'),
    valid           boolean NOT NULL,
    temporary       boolean NOT NULL DEFAULT false,
    source_org_id   bigint REFERENCES organisations (id),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT child_identifiers_once UNIQUE (child_id, scheme, value)
);
CREATE INDEX child_identifiers_lookup ON child_identifiers (scheme, value) WHERE valid;

CREATE TABLE carers (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id                uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    forename                text CHECK (length(forename) <= 100),
    surname                 text NOT NULL CHECK (length(surname) BETWEEN 1 AND 100),
    relationship            text NOT NULL DEFAULT 'OTH' CHECK (relationship IN (
                                'PAM', 'PAF', 'STM', 'STF', 'FOM', 'FOF', 'CAR', 'FAM',
                                'REL', 'CHM', 'DOC', 'SWR', 'HTC', 'TCH', 'RLG', 'OTH')),
    parental_responsibility boolean,
    phone                   text CHECK (phone ~ '^\+?[0-9 ()-]{6,20}$'),
    email                   text CHECK (email ~ '^[^@\s]{1,64}@[^@\s]{1,190}$'),
    source_org_id           bigint REFERENCES organisations (id)
);
CREATE INDEX carers_child ON carers (child_id);

CREATE TABLE users (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    org_id      bigint NOT NULL REFERENCES organisations (id),
    role        text NOT NULL CHECK (role IN (
                    'practitioner', 'school', 'la_data_manager', 'auditor', 'admin')),
    la_code     text REFERENCES local_authorities (code),
    phone       text CHECK (phone ~ '^\+?[0-9 ()-]{6,20}$'),
    email       text CHECK (email ~ '^[^@\s]{1,64}@[^@\s]{1,190}$'),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_la_scope CHECK (role <> 'la_data_manager' OR la_code IS NOT NULL)
);

CREATE TABLE tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE involvements (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    child_id            uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    org_id              bigint NOT NULL REFERENCES organisations (id),
    contact_name        text CHECK (length(contact_name) <= 100),
    contact_phone       text CHECK (contact_phone ~ '^\+?[0-9 ()-]{6,20}$'),
    contact_email       text CHECK (contact_email ~ '^[^@\s]{1,64}@[^@\s]{1,190}$'),
    start_date          date NOT NULL,
    end_date            date,
    source              text NOT NULL CHECK (source IN ('practitioner', 'census', 'la', 'demo')),
    created_by          uuid REFERENCES users (id),
    ended_by            uuid REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT involvements_dates CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX involvements_child ON involvements (child_id);
CREATE UNIQUE INDEX involvements_one_open ON involvements (child_id, org_id) WHERE end_date IS NULL;

CREATE TABLE indicators (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    involvement_id  uuid NOT NULL REFERENCES involvements (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN (
                        'has_information', 'taking_action', 'assessment_completed',
                        'lead_professional')),
    set_by          uuid REFERENCES users (id),
    set_at          timestamptz NOT NULL DEFAULT now(),
    cleared_at      timestamptz,
    cleared_by      uuid REFERENCES users (id),
    CONSTRAINT indicators_cleared_after_set CHECK (cleared_at IS NULL OR cleared_at >= set_at)
);
CREATE INDEX indicators_involvement ON indicators (involvement_id);
CREATE UNIQUE INDEX indicators_one_open ON indicators (involvement_id, kind) WHERE cleared_at IS NULL;

-- Every request that touches child data, and every denied request.
CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_id  uuid NOT NULL,
    user_id     uuid REFERENCES users (id),
    org_code    text CHECK (org_code ~ '^[A-Z0-9]{3,12}$'),
    role        text CHECK (role IN ('practitioner', 'school', 'la_data_manager', 'auditor', 'admin')),
    action      text NOT NULL CHECK (action ~ '^[a-z_.]{1,40}$'),
    reason      text CHECK (reason ~ '^[a-z_]{1,40}$'),
    case_ref    text CHECK (case_ref ~ '^[A-Z0-9/-]{3,24}$'),
    query       jsonb NOT NULL DEFAULT '{}',
    child_ids   uuid[] NOT NULL DEFAULT '{}',
    outcome     text NOT NULL CHECK (outcome IN (
                    'ok', 'denied', 'unauthenticated', 'not_found', 'invalid', 'conflict')),
    status      smallint NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_user ON audit_events (user_id, at);
CREATE INDEX audit_events_children ON audit_events USING gin (child_ids);

-- Room for the census issue: each source's own record of a child, and its link to a
-- child, kept with history (links, never merges).
CREATE TABLE source_records (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_org_id   bigint NOT NULL REFERENCES organisations (id),
    record_key      text NOT NULL CHECK (record_key ~ '^[A-Za-z0-9_./-]{1,64}$'),
    received_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT source_records_key UNIQUE (source_org_id, record_key)
);

CREATE TABLE links (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_record_id    uuid NOT NULL REFERENCES source_records (id) ON DELETE CASCADE,
    child_id            uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    method              text NOT NULL CHECK (method IN ('auto', 'manual')),
    match_weight        double precision,
    model_version       text CHECK (model_version ~ '^[A-Za-z0-9_.-]{1,40}$'),
    linked_at           timestamptz NOT NULL DEFAULT now(),
    linked_by           uuid REFERENCES users (id),
    unlinked_at         timestamptz,
    unlinked_by         uuid REFERENCES users (id)
);
CREATE UNIQUE INDEX links_one_current ON links (source_record_id) WHERE unlinked_at IS NULL;
CREATE INDEX links_child ON links (child_id);
