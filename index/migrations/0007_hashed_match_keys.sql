-- Blocking keys stored as 64-bit hashes (matching.blocking.stored_keys) instead of
-- (rule, readable key) text: the index and the candidate join are a third of the size
-- and a bigint join is several times faster at a million children. Keys are derived
-- data: no foreign key (a check per inserted key row), and they are rebuilt whenever
-- the blocking rules they were computed with are not the model's (match_key_rules).
DROP TABLE match_keys;
CREATE TABLE match_keys (
    source_record_id    uuid NOT NULL,
    key                 bigint NOT NULL
);
CREATE INDEX match_keys_lookup ON match_keys (key);
CREATE INDEX match_keys_record ON match_keys (source_record_id);

-- The blocking rules the stored keys were computed with (one row; none: not yet built).
CREATE TABLE match_key_rules (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    rules       text NOT NULL CHECK (rules ~ '^[a-z0-9_,]+$' AND length(rules) <= 2000),
    built_at    timestamptz NOT NULL DEFAULT now()
);
