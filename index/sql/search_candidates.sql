-- A practitioner search's candidates (index.candidates.for_query).
-- $1 the query's stored blocking keys   $2 the block cap   $3 dates of birth (as given, swapped)
-- $4 surname keys (each reading's surname, and its parts)   $5 dates one slip from the query's
-- $6 the query's folded forename ('' when not given)   $7 its folded surname
-- The children are those with a linked source record under one of the keys (a block over
-- the cap is skipped, as for a feed), every child born on one of the dates with a name
-- form near the query's names either way round (trigram similarity >= 0.3: a new
-- surname with the forename, a badly misspelt surname), and every child with a name
-- whose surname sounds like a query surname born on a date one slip away, with a
-- forename near the query's when it gives one (child_search_names: the index's own
-- names, legal, preferred, former and parts, so a child no source record speaks for is
-- found too). Each child comes back as its index record (kind 'c': the children row, with
-- its latest former surname and the fields a search hit shows) and as each linked source
-- record (kind 's', its matching fields only). An archived child is never found
-- (index.retention).
WITH hits AS (
    SELECT key, source_record_id FROM match_keys WHERE key = ANY($1::bigint[])
),
blocks AS (
    SELECT key FROM hits GROUP BY key HAVING count(*) <= $2::bigint
),
found AS (
    SELECT l.child_id FROM hits h JOIN blocks b ON b.key = h.key
      JOIN links l ON l.source_record_id = h.source_record_id AND l.unlinked_at IS NULL
    UNION
    SELECT n.child_id FROM child_search_names n
     WHERE n.dob = ANY($3::date[])
       AND greatest(similarity(n.forename_key, $6), similarity(n.surname_key, $7),
                    similarity(n.forename_key, $7), similarity(n.surname_key, $6)) >= 0.3
    UNION
    SELECT n.child_id FROM child_search_names n
     WHERE n.surname_sound IN (SELECT dmetaphone(k) FROM unnest($4::text[]) k) AND n.dob = ANY($5::date[])
       AND ($6 = '' OR greatest(similarity(n.forename_key, $6), similarity(n.surname_key, $6)) >= 0.3)
),
kids AS (
    SELECT c.* FROM found f JOIN children c ON c.id = f.child_id WHERE c.archived_at IS NULL
)
SELECT 'c' AS kind, k.id AS child_id, k.forename, k.middle_names, k.surname, k.preferred_forename,
       k.preferred_surname,
       (SELECT fn.surname FROM child_former_names fn WHERE fn.child_id = k.id
         ORDER BY fn.recorded_at DESC, fn.id DESC LIMIT 1) AS former_surname,
       k.dob, k.sex AS gender, k.address_line1, k.address_line2, k.town, k.postcode,
       k.shielded
  FROM kids k
UNION ALL
SELECT 's', k.id, sr.forename, sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname,
       sr.former_surname, sr.dob, sr.gender, NULL, NULL, NULL, sr.postcode, k.shielded
  FROM kids k
  JOIN links l ON l.child_id = k.id AND l.unlinked_at IS NULL
  JOIN source_records sr ON sr.id = l.source_record_id
