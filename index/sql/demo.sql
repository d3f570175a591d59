-- The statements of index/demo.py (loading the synthetic demo index, issuing demo tokens). Dropping
-- match_keys' indexes stays in Python: the index names come from pg_indexes (quote_ident).

-- count_children --
SELECT count(*) FROM children

-- insert_las --
INSERT INTO local_authorities (code, name) VALUES ($1, $2)

-- org_contacts --
UPDATE organisations SET phone = $1, email = $2, address_line1 = $3, town = $4, postcode = $5 WHERE code = $6

-- mark_feed_sources --
-- Feed sources: each LA's own system (the demo children's records), schools, GPs, ...
UPDATE organisations SET feed_source = true WHERE kind = ANY($1::text[])

-- org_ids --
SELECT code, id FROM organisations

-- index_build_memory --
-- At least 256 MB for building match_keys' indexes, in this transaction only (a sized server's more stays).
SELECT set_config('maintenance_work_mem', '256MB', true)
 WHERE (SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem') < 256 * 1024

-- any_match_key --
SELECT EXISTS (SELECT 1 FROM match_keys)

-- match_key_indexes --
SELECT quote_ident(indexname) AS name, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'match_keys' ORDER BY indexname

-- demo_user --
SELECT id FROM users WHERE name = $1 AND role = $2

-- first_org_of_kind --
SELECT code, la_code FROM organisations WHERE kind = $1 ORDER BY code LIMIT 1
