-- Census feeds: sources, submitted files, source records with their matching keys,
-- links with history, the LA review queue and "not this child" decisions.

-- An organisation registered to submit feeds (isindex source add).
ALTER TABLE organisations ADD COLUMN feed_source boolean NOT NULL DEFAULT false;

CREATE TABLE feeds (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_org_id   bigint NOT NULL REFERENCES organisations (id),
    sha256          bytea NOT NULL CHECK (length(sha256) = 32),
    format          text NOT NULL CHECK (format IN ('csv', 'ctf')),
    full_census     boolean NOT NULL,
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'rejected')),
    -- A file-level error, written by the service: names fields and rows, never values.
    error           text CHECK (error ~ '^[^\n]+$' AND length(error) <= 500),
    rows            integer NOT NULL DEFAULT 0,
    rows_done       integer NOT NULL DEFAULT 0,     -- rows applied so far (resume point)
    linked          integer NOT NULL DEFAULT 0,
    created         integer NOT NULL DEFAULT 0,     -- new children
    review          integer NOT NULL DEFAULT 0,
    rejected        integer NOT NULL DEFAULT 0,
    unchanged       integer NOT NULL DEFAULT 0,
    leavers         integer NOT NULL DEFAULT 0,
    model_version   text CHECK (model_version ~ '^[A-Za-z0-9_.-]{1,40}$'),
    submitted_by    uuid REFERENCES users (id),
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    CONSTRAINT feeds_same_content UNIQUE (source_org_id, sha256, full_census)
);

-- The raw file, compressed, kept until raw_expires_at (then purged).
CREATE TABLE feed_files (
    feed_id         uuid PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    compressed      bytea NOT NULL,
    size            bigint NOT NULL CHECK (size >= 0),
    expires_at      timestamptz NOT NULL
);

CREATE TABLE feed_row_errors (
    feed_id         uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    row             integer NOT NULL CHECK (row >= 1),
    column_name     text CHECK (column_name ~ '^[A-Za-z0-9_.]{1,60}$'),
    message         text NOT NULL CHECK (message ~ '^[^\n]+$' AND length(message) <= 300),
    PRIMARY KEY (feed_id, row)
);

-- A source's own record of a child: the identity fields as last received.
ALTER TABLE source_records
    ADD COLUMN content_hash       bytea CHECK (length(content_hash) = 32),
    ADD COLUMN last_feed_id       uuid REFERENCES feeds (id) ON DELETE SET NULL,
    ADD COLUMN updated_at         timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN forename           text CHECK (length(forename) <= 100),
    ADD COLUMN middle_names       text CHECK (length(middle_names) <= 200),
    ADD COLUMN surname            text CHECK (length(surname) <= 100),
    ADD COLUMN preferred_forename text CHECK (length(preferred_forename) <= 100),
    ADD COLUMN preferred_surname  text CHECK (length(preferred_surname) <= 100),
    ADD COLUMN former_surname     text CHECK (length(former_surname) <= 100),
    ADD COLUMN dob                date,
    ADD COLUMN gender             text CHECK (gender IN ('M', 'F', 'U')),
    ADD COLUMN address_line1      text CHECK (length(address_line1) <= 200),
    ADD COLUMN address_line2      text CHECK (length(address_line2) <= 200),
    ADD COLUMN town               text CHECK (length(town) <= 200),
    ADD COLUMN postcode           text CHECK (length(postcode) <= 200),
    -- Identifiers as received, valid or not (an invalid one is kept, flagged by the
    -- matcher and never used as a key).
    ADD COLUMN upn                text CHECK (upn ~ '^[^\n]{1,40}$'),
    ADD COLUMN former_upn         text CHECK (former_upn ~ '^[^\n]{1,40}$'),
    ADD COLUMN uln                text CHECK (uln ~ '^[^\n]{1,40}$'),
    ADD COLUMN nhs_number         text CHECK (nhs_number ~ '^[^\n]{1,40}$');
CREATE INDEX source_records_upn ON source_records (source_org_id, upn);

CREATE TABLE source_record_carers (
    source_record_id        uuid NOT NULL REFERENCES source_records (id) ON DELETE CASCADE,
    position                smallint NOT NULL CHECK (position BETWEEN 1 AND 20),
    forename                text CHECK (length(forename) <= 100),
    surname                 text CHECK (length(surname) <= 100),
    relationship            text CHECK (relationship IN (
                                'PAM', 'PAF', 'STM', 'STF', 'FOM', 'FOF', 'CAR', 'FAM',
                                'REL', 'CHM', 'DOC', 'SWR', 'HTC', 'TCH', 'RLG', 'OTH')),
    parental_responsibility boolean,
    phone                   text CHECK (length(phone) <= 40),
    PRIMARY KEY (source_record_id, position)
);

-- Blocking keys of every source record, computed by matching.blocking.record_keys.
CREATE TABLE match_keys (
    source_record_id    uuid NOT NULL REFERENCES source_records (id) ON DELETE CASCADE,
    rule                text NOT NULL CHECK (rule ~ '^[a-z0-9_]{1,40}$'),
    key                 text NOT NULL CHECK (key ~ '^[^\n]+$' AND length(key) <= 300)
);
CREATE INDEX match_keys_lookup ON match_keys (rule, key);
CREATE INDEX match_keys_record ON match_keys (source_record_id);

-- How often each name occurs among source records, for term-frequency adjustment.
CREATE TABLE match_term_counts (
    kind    text NOT NULL CHECK (kind IN ('forename', 'surname', 'carer_forename')),
    value   text NOT NULL CHECK (value ~ '^[^\n]{1,100}$'),
    n       bigint NOT NULL,
    PRIMARY KEY (kind, value)
);

ALTER TABLE links
    ADD COLUMN feed_id      uuid REFERENCES feeds (id) ON DELETE SET NULL,
    ADD COLUMN review_id    uuid;

-- Incoming records the engine could not settle, for the owning LA's data managers.
CREATE TABLE review_items (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_record_id    uuid NOT NULL REFERENCES source_records (id) ON DELETE CASCADE,
    la_code             text NOT NULL REFERENCES local_authorities (code),
    feed_id             uuid REFERENCES feeds (id) ON DELETE SET NULL,
    reasons             text[] NOT NULL CHECK (array_to_string(reasons, ',') ~ '^[a-z_,]{0,200}$'),
    shielded            boolean NOT NULL DEFAULT false,   -- a shielded child is among the candidates
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'linked', 'new', 'not_matched')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    decided_at          timestamptz,
    decided_by          uuid REFERENCES users (id),
    decided_child_id    uuid REFERENCES children (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX review_items_one_open ON review_items (source_record_id) WHERE status = 'open';
CREATE INDEX review_items_la ON review_items (la_code, status);

CREATE TABLE review_candidates (
    review_id       uuid NOT NULL REFERENCES review_items (id) ON DELETE CASCADE,
    child_id        uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    rank            smallint NOT NULL CHECK (rank >= 1),
    match_weight    double precision NOT NULL,
    -- Per-field explanation: [[comparison, level label, bits], ...], built by the engine.
    explanation     jsonb NOT NULL CHECK (jsonb_typeof(explanation) = 'array'
                        AND NOT (explanation::text ~ '[\n]')),
    PRIMARY KEY (review_id, child_id)
);

-- "Not this child": a pair a data manager ruled out, never proposed again.
CREATE TABLE not_matches (
    source_record_id    uuid NOT NULL REFERENCES source_records (id) ON DELETE CASCADE,
    child_id            uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    decided_by          uuid REFERENCES users (id),
    decided_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_record_id, child_id)
);

-- A link made when a feed row created a new child is method 'new'.
ALTER TABLE links DROP CONSTRAINT links_method_check;
ALTER TABLE links ADD CONSTRAINT links_method_check CHECK (method IN ('auto', 'manual', 'new'));
