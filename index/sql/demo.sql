-- The statements of index/demo.py (loading the synthetic demo index, issuing demo tokens).

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

-- demo_user --
SELECT id FROM users WHERE name = $1 AND role = $2

-- first_org_of_kind --
SELECT code, la_code FROM organisations WHERE kind = $1 ORDER BY code LIMIT 1
