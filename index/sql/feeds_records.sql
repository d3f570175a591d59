-- The statements of index/feeds/records.py (source records from feed rows, their blocking keys and
-- name counts). The matching-input fragments MATCH_FIELDS and MATCH_CARERS stay in Python: index.candidates
-- composes them too.

-- find --
-- Records of source $1 with keys $2: content hash, current link, open review item.
SELECT sr.id, sr.record_key, sr.content_hash, l.child_id, ri.id AS review_id
  FROM source_records sr
  LEFT JOIN links l ON l.source_record_id = sr.id AND l.unlinked_at IS NULL
  LEFT JOIN review_items ri ON ri.source_record_id = sr.id AND ri.status = 'open'
 WHERE sr.source_org_id = $1 AND sr.record_key = ANY($2::text[])

-- rekey_former_upns --
-- A CTF pupil whose temporary UPN was replaced: the record keyed by the old key ($2) takes the
-- new one ($3), unless a record with the new key exists already.
UPDATE source_records sr SET record_key = p.new_key
  FROM unnest($2::text[], $3::text[]) AS p(old_key, new_key)
 WHERE sr.source_org_id = $1 AND sr.record_key = p.old_key
   AND NOT EXISTS (SELECT 1 FROM source_records x WHERE x.source_org_id = $1 AND x.record_key = p.new_key)

-- stage_rows --
-- The batch's rows, COPYed in (binary) before upsert: one statement of any size, no arrays to bind.
CREATE TEMP TABLE feed_source_rows (
    id uuid NOT NULL, fresh boolean NOT NULL, record_key text NOT NULL, content_hash bytea, forename text, middle_names text,
    surname text, preferred_forename text, preferred_surname text, former_surname text, dob date, gender text,
    address_line1 text, address_line2 text, town text, postcode text, upn text, former_upn text, uln text,
    nhs_number text
) ON COMMIT DROP

-- insert_fresh --
-- The staged records of source $1 that find did not find (under the resolve lock, which every feed's
-- chunk takes): a plain insert, no conflict to check for; the staged id is the record's.
INSERT INTO source_records (id, source_org_id, record_key, content_hash, last_feed_id, updated_at,
    forename, middle_names, surname, preferred_forename, preferred_surname, former_surname, dob, gender,
    address_line1, address_line2, town, postcode, upn, former_upn, uln, nhs_number)
SELECT t.id, $1, t.record_key, t.content_hash, $2, clock_timestamp(), t.forename, t.middle_names, t.surname,
       t.preferred_forename, t.preferred_surname, t.former_surname, t.dob, t.gender, t.address_line1,
       t.address_line2, t.town, t.postcode, t.upn, t.former_upn, t.uln, t.nhs_number
  FROM feed_source_rows t
 WHERE t.fresh
 ORDER BY t.id

-- upsert --
-- Insert or update the other staged records of feed $2 from source $1 (a new record takes the staged
-- id, given in increasing order); inserted says which are new.
INSERT INTO source_records AS sr (id, source_org_id, record_key, content_hash, last_feed_id, updated_at,
    forename, middle_names, surname, preferred_forename, preferred_surname, former_surname, dob, gender,
    address_line1, address_line2, town, postcode, upn, former_upn, uln, nhs_number)
SELECT t.id, $1, t.record_key, t.content_hash, $2, clock_timestamp(), t.forename, t.middle_names, t.surname,
       t.preferred_forename, t.preferred_surname, t.former_surname, t.dob, t.gender, t.address_line1,
       t.address_line2, t.town, t.postcode, t.upn, t.former_upn, t.uln, t.nhs_number
  FROM feed_source_rows t
 WHERE NOT t.fresh
 ORDER BY t.id
ON CONFLICT (source_org_id, record_key) DO UPDATE SET
    content_hash = EXCLUDED.content_hash, last_feed_id = EXCLUDED.last_feed_id, updated_at = EXCLUDED.updated_at,
    forename = EXCLUDED.forename, middle_names = EXCLUDED.middle_names, surname = EXCLUDED.surname,
    preferred_forename = EXCLUDED.preferred_forename, preferred_surname = EXCLUDED.preferred_surname,
    former_surname = EXCLUDED.former_surname, dob = EXCLUDED.dob, gender = EXCLUDED.gender,
    address_line1 = EXCLUDED.address_line1, address_line2 = EXCLUDED.address_line2, town = EXCLUDED.town,
    postcode = EXCLUDED.postcode, upn = EXCLUDED.upn, former_upn = EXCLUDED.former_upn, uln = EXCLUDED.uln,
    nhs_number = EXCLUDED.nhs_number
RETURNING sr.id, sr.record_key, (xmax = 0) AS inserted

-- drop_staged_rows --
DROP TABLE IF EXISTS feed_source_rows

-- delete_carers --
DELETE FROM source_record_carers WHERE source_record_id = ANY($1::uuid[])

-- touch --
UPDATE source_records SET last_feed_id = $1 WHERE id = ANY($2::uuid[])

-- delete_keys --
DELETE FROM match_keys WHERE source_record_id = ANY($1::uuid[])

-- key_rules --
SELECT rules FROM match_key_rules

-- any_source_record --
SELECT EXISTS (SELECT 1 FROM source_records)

-- record_key_rules --
INSERT INTO match_key_rules (rules) VALUES ($1)

-- clear_keys --
-- Every stored key, before a rebuild: deleted, not truncated, so that searches (which read
-- match_keys) go on with the keys before until the rebuild commits instead of waiting for it.
DELETE FROM match_keys

-- rebuilt_key_rules --
INSERT INTO match_key_rules (rules) VALUES ($1)
ON CONFLICT (one) DO UPDATE SET rules = EXCLUDED.rules, built_at = now()

-- add_counts --
INSERT INTO match_term_counts AS c (kind, value, n)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
ON CONFLICT (kind, value) DO UPDATE SET n = c.n + EXCLUDED.n
