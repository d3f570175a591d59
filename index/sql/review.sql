-- The statements of index/review.py (LA review: listing, deciding, reversing, splitting).

-- items --
-- Open review items with their source records, oldest first; $1 LA (NULL: every LA), $2 and $3 the
-- created_at and id to page after, $4 the page size.
SELECT ri.id, ri.la_code, ri.reasons, ri.shielded, ri.created_at, ri.feed_id,
       sr.id AS source_record_id, o.code AS source, o.name AS source_name, sr.record_key, sr.forename,
       sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname, sr.former_surname, sr.dob,
       sr.gender, sr.address_line1, sr.address_line2, sr.town, sr.postcode, sr.upn, sr.former_upn, sr.uln,
       sr.nhs_number, sr.updated_at
  FROM review_items ri
  JOIN source_records sr ON sr.id = ri.source_record_id
  JOIN organisations o ON o.id = sr.source_org_id
 WHERE ri.status = 'open' AND ($1::text IS NULL OR ri.la_code = $1)
   AND ($2::timestamptz IS NULL OR (ri.created_at, ri.id) > ($2, $3::uuid))
 ORDER BY ri.created_at, ri.id
 LIMIT $4

-- one_item --
-- One item in any status, with its source record (as `items` gives it), how it was decided and the
-- record's current link; $1 the item, $2 its LA (the caller's: any other LA's item is not found).
SELECT ri.id, ri.la_code, ri.reasons, ri.shielded, ri.created_at, ri.feed_id, ri.status, ri.decided_at,
       ri.decided_child_id, ri.split_link_id IS NOT NULL AS split,
       (SELECT l.child_id FROM links l WHERE l.source_record_id = sr.id AND l.unlinked_at IS NULL) AS linked_child_id,
       sr.id AS source_record_id, o.code AS source, o.name AS source_name, sr.record_key, sr.forename,
       sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname, sr.former_surname, sr.dob,
       sr.gender, sr.address_line1, sr.address_line2, sr.town, sr.postcode, sr.upn, sr.former_upn, sr.uln,
       sr.nhs_number, sr.updated_at
  FROM review_items ri
  JOIN source_records sr ON sr.id = ri.source_record_id
  JOIN organisations o ON o.id = sr.source_org_id
 WHERE ri.id = $1 AND ri.la_code = $2

-- decided_items --
-- The LA's decided items, the latest decision first ($1 the LA, $2 how many): where a data
-- manager finds a decision to reverse. Ids, times and the source only: no child's details.
SELECT ri.id, ri.status, ri.decided_at, o.name AS source_name
  FROM review_items ri
  JOIN source_records sr ON sr.id = ri.source_record_id
  JOIN organisations o ON o.id = sr.source_org_id
 WHERE ri.la_code = $1 AND ri.status <> 'open'
 ORDER BY ri.decided_at DESC, ri.id
 LIMIT $2

-- candidates --
-- The candidates of items $1, in rank order, each with whether it was ruled out.
SELECT rc.review_id, rc.rank, rc.match_weight, rc.explanation::text AS explanation,
       c.id, c.forename, c.middle_names, c.surname, c.preferred_forename, c.preferred_surname, c.sex, c.dob,
       c.address_line1, c.address_line2, c.town, c.postcode, c.owning_la, c.shielded,
       EXISTS (SELECT 1 FROM not_matches nm
                WHERE nm.source_record_id = ri.source_record_id AND nm.child_id = c.id) AS ruled_out,
       array(SELECT f.surname FROM child_former_names f WHERE f.child_id = c.id ORDER BY f.id) AS former_surnames
  FROM review_candidates rc
  JOIN review_items ri ON ri.id = rc.review_id
  JOIN children c ON c.id = rc.child_id
 WHERE rc.review_id = ANY($1::uuid[])
 ORDER BY rc.review_id, rc.rank

-- identifiers --
SELECT child_id, scheme, value, valid FROM child_identifiers
 WHERE child_id = ANY($1::uuid[]) ORDER BY child_id, scheme, id

-- item_created_at --
SELECT created_at FROM review_items WHERE id = $1 AND ($2::text IS NULL OR la_code = $2)

-- item --
-- One item, locked, with its source record's organisation.
SELECT ri.id, ri.la_code, ri.status, ri.shielded, ri.split_link_id, ri.source_record_id, ri.decided_at,
       sr.source_org_id, o.kind AS source_kind
  FROM review_items ri
  JOIN source_records sr ON sr.id = ri.source_record_id
  JOIN organisations o ON o.id = sr.source_org_id
 WHERE ri.id = $1
   FOR UPDATE OF ri

-- candidate_ids --
SELECT child_id FROM review_candidates WHERE review_id = $1 ORDER BY rank

-- ruled_out_ids --
SELECT child_id FROM not_matches WHERE source_record_id = $1

-- clock --
-- One time for a decision and the rule-outs it records: reverse finds them by it.
SELECT clock_timestamp()

-- rule_out --
INSERT INTO not_matches (source_record_id, child_id, decided_by, review_id, decided_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_record_id, child_id) DO NOTHING

-- decide_item --
UPDATE review_items SET status = $2, decided_at = $5, decided_by = $3, decided_child_id = $4
 WHERE id = $1

-- current_link --
SELECT child_id FROM links WHERE source_record_id = $1 AND unlinked_at IS NULL

-- candidate_weight --
SELECT match_weight FROM review_candidates WHERE review_id = $1 AND child_id = $2

-- source_record --
SELECT sr.record_key, sr.forename, sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname,
       sr.former_surname, sr.dob, sr.gender, sr.address_line1, sr.address_line2, sr.town, sr.postcode, sr.upn,
       sr.former_upn, sr.uln, sr.nhs_number
  FROM source_records sr WHERE sr.id = $1

-- source_record_carers --
SELECT forename, surname, relationship, parental_responsibility, phone
  FROM source_record_carers WHERE source_record_id = $1 ORDER BY position

-- decision_link --
SELECT id, child_id FROM links WHERE review_id = $1 AND unlinked_at IS NULL FOR UPDATE

-- other_open_item --
SELECT id FROM review_items WHERE source_record_id = $1 AND status = 'open' AND id <> $2

-- reopen_item --
UPDATE review_items SET status = 'open', decided_at = NULL, decided_by = NULL,
       decided_child_id = NULL WHERE id = $1

-- split_link_child --
SELECT child_id FROM links WHERE id = $1

-- relink_item --
UPDATE review_items SET status = 'linked', decided_at = now(), decided_by = $2, decided_child_id = $3
 WHERE id = $1

-- unrule --
-- Remove the item's rule-outs made at $2, or else its latest ones.
DELETE FROM not_matches WHERE review_id = $1 AND decided_at = coalesce(
    $2::timestamptz, (SELECT max(decided_at) FROM not_matches WHERE review_id = $1))
RETURNING child_id

-- source_record_org --
SELECT sr.id, sr.source_org_id, o.kind, o.la_code FROM source_records sr
  JOIN organisations o ON o.id = sr.source_org_id WHERE sr.id = $1

-- current_link_for_split --
SELECT l.id, l.child_id, c.owning_la, c.shielded FROM links l JOIN children c ON c.id = l.child_id
 WHERE l.source_record_id = $1 AND l.unlinked_at IS NULL FOR UPDATE OF l

-- open_split_item --
INSERT INTO review_items (source_record_id, la_code, reasons, shielded, split_link_id)
VALUES ($1, $2, ARRAY['unlinked'], $3, $4) RETURNING id

-- end_link --
UPDATE links SET unlinked_at = now(), unlinked_by = $2 WHERE id = $1

-- same_source_linked --
SELECT EXISTS (SELECT 1 FROM links l JOIN source_records sr ON sr.id = l.source_record_id
                WHERE l.child_id = $1 AND l.unlinked_at IS NULL AND sr.source_org_id = $2)

-- end_census_involvement --
UPDATE involvements SET end_date = greatest(current_date, start_date), ended_by = $3
 WHERE child_id = $1 AND org_id = $2 AND end_date IS NULL AND source = 'census'

-- identifier_sources --
-- The unlinked source record $2 and every record still linked to child $1.
SELECT sr.id, sr.upn, sr.former_upn, sr.uln, sr.nhs_number FROM source_records sr
 WHERE sr.id = $2
    OR sr.id IN (SELECT l.source_record_id FROM links l WHERE l.child_id = $1 AND l.unlinked_at IS NULL)

-- drop_identifiers --
DELETE FROM child_identifiers ci USING unnest($3::text[], $4::text[]) AS g(scheme, value)
 WHERE ci.child_id = $1 AND ci.source_org_id = $2 AND ci.scheme = g.scheme AND ci.value = g.value
