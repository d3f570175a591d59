-- The statements of index/feeds/apply.py (links, review items, census involvements, children
-- re-derived from their linked records, their search names and identifiers).

-- link --
INSERT INTO links (source_record_id, child_id, method, match_weight, model_version, feed_id, linked_by,
                   review_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- open_review_items --
INSERT INTO review_items (source_record_id, la_code, feed_id, reasons, shielded)
SELECT t.sid, $1, $2, ARRAY(SELECT jsonb_array_elements_text(t.reasons::jsonb)), t.shielded
  FROM unnest($3::uuid[], $4::text[], $5::boolean[]) AS t(sid, reasons, shielded)
RETURNING id, source_record_id

-- review_candidates --
INSERT INTO review_candidates (review_id, child_id, rank, match_weight, explanation)
SELECT r, c, k, w, e::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::float8[], $5::text[])
    AS t(r, c, k, w, e)

-- ensure_involvements --
INSERT INTO involvements (child_id, org_id, start_date, source)
SELECT c, $1, $2, 'census' FROM unnest($3::uuid[]) AS c
ON CONFLICT (child_id, org_id) WHERE end_date IS NULL DO NOTHING

-- end_involvements --
UPDATE involvements i SET end_date = greatest($3::date, i.start_date)
 WHERE i.org_id = $1 AND i.end_date IS NULL AND i.source = 'census'
   AND NOT EXISTS (
       SELECT 1 FROM links l JOIN source_records sr ON sr.id = l.source_record_id
        WHERE l.child_id = i.child_id AND l.unlinked_at IS NULL
          AND sr.source_org_id = $1 AND sr.last_feed_id = $2)

-- linked --
-- The records linked to children $1, each with its source's rank ($2 for a kind not ranked).
SELECT l.child_id, sr.source_org_id, coalesce(k.rank, $2::integer) AS rank, sr.updated_at, sr.forename,
       sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname, sr.former_surname, sr.gender,
       sr.dob, sr.address_line1, sr.address_line2, sr.town, sr.postcode
  FROM links l JOIN source_records sr ON sr.id = l.source_record_id
  JOIN organisations o ON o.id = sr.source_org_id
  LEFT JOIN source_kind_ranks k ON k.kind = o.kind
 WHERE l.child_id = ANY($1::uuid[]) AND l.unlinked_at IS NULL

-- current --
-- Children $1 as held, with their former surnames.
SELECT id, forename, middle_names, surname, preferred_forename, preferred_surname, sex, dob, address_state,
       address_line1, address_line2, town, postcode,
       array(SELECT f.surname FROM child_former_names f WHERE f.child_id = c.id ORDER BY f.id) AS former
  FROM children c WHERE id = ANY($1::uuid[])

-- update_children --
-- Set the derived fields of children $1, a column array each ($2..$12).
UPDATE children c SET forename = t.forename, middle_names = t.middle_names, surname = t.surname,
       preferred_forename = t.preferred_forename, preferred_surname = t.preferred_surname, sex = t.sex, dob = t.dob,
       address_line1 = t.address_line1, address_line2 = t.address_line2, town = t.town, postcode = t.postcode,
       updated_at = now()
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
              $9::text[], $10::text[], $11::text[], $12::text[])
       AS t(id, forename, middle_names, surname, preferred_forename, preferred_surname, sex, dob,
            address_line1, address_line2, town, postcode)
 WHERE c.id = t.id

-- search_names --
-- The search name rows of children $1, as registry.name_rows gives them.
SELECT child_id, kind, forename_key, surname_key, dob FROM child_search_names WHERE child_id = ANY($1::uuid[])

-- delete_search_names --
DELETE FROM child_search_names WHERE child_id = ANY($1::uuid[])

-- linked_identifiers --
SELECT l.child_id, sr.source_org_id, sr.upn, sr.former_upn, sr.uln, sr.nhs_number
  FROM links l JOIN source_records sr ON sr.id = l.source_record_id
 WHERE l.child_id = ANY($1::uuid[]) AND l.unlinked_at IS NULL
   AND ($2::uuid[] IS NULL OR sr.id = ANY($2::uuid[]))

-- insert_identifiers --
INSERT INTO child_identifiers (child_id, scheme, raw_value, value, valid, temporary, source_org_id)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[],
                     $7::integer[])
ON CONFLICT (child_id, scheme, value) DO NOTHING
