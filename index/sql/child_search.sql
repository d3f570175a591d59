-- Fuzzy search by names and date of birth.
-- $1 forename key ('' when not given)   $2 surname keys (full first, then parts)
-- $3 dates of birth (as given, and day/month swapped)   $4 dates near the one given
-- $5 postcode ('' when not given)   $6 postcode district ('' when not given)
-- Candidates come from two indexed paths: date of birth as given or swapped (finds any
-- misspelling), and the phonetic surname code near the date of birth (finds a mistyped
-- day, month or year). Every candidate is then scored with pg_trgm similarity on all of
-- its name forms (legal, preferred, former, surname parts). A third path, trigram
-- similarity on the surname within the birth year, was measured at ~8 ms a query and
-- removed.
WITH sounds AS (
    SELECT DISTINCT dmetaphone(k) AS code FROM unnest($2::text[]) k
),
candidates AS (
    SELECT c.id FROM children c WHERE c.dob = ANY($3::date[])
    UNION
    SELECT n.child_id FROM child_search_names n
     WHERE n.surname_sound IN (SELECT code FROM sounds) AND n.dob = ANY($4::date[])
),
names AS (
    SELECT n.child_id,
           max((SELECT max(similarity(n.surname_key, q)) FROM unnest($2::text[]) q)
               + CASE WHEN n.surname_sound IN (SELECT code FROM sounds) THEN 0.15 ELSE 0 END) AS s_surname,
           max(CASE WHEN $1 = '' THEN NULL
                    WHEN n.forename_key = $1 THEN 1.0
                    WHEN left(n.forename_key, 1) = left($1, 1)
                         THEN greatest(similarity(n.forename_key, $1), 0.3)
                    ELSE similarity(n.forename_key, $1) END) AS s_forename
      FROM child_search_names n
     WHERE n.child_id IN (SELECT id FROM candidates)
     GROUP BY n.child_id
),
scored AS (
    SELECT c.id, c.forename, c.surname, c.preferred_forename, c.preferred_surname, c.sex,
           c.dob, c.town, c.postcode, c.shielded,
           least(nm.s_surname, 1.0) AS s_surname,
           nm.s_forename,
           CASE WHEN c.dob = ($3::date[])[1] THEN 1.0
                WHEN c.dob = ANY($3::date[]) THEN 0.85
                WHEN date_trunc('month', c.dob) = date_trunc('month', ($3::date[])[1]) THEN 0.5
                WHEN c.dob = ANY($4::date[]) THEN 0.5
                ELSE 0 END AS s_dob,
           CASE WHEN $5 = '' THEN NULL
                WHEN c.postcode = $5 THEN 1.0
                WHEN split_part(c.postcode, ' ', 1) = $6 THEN 0.6
                ELSE 0 END AS s_postcode
      FROM names nm JOIN children c ON c.id = nm.child_id
     WHERE c.archived_at IS NULL     -- an archived child is never found (index.retention)
)
SELECT id, forename, surname, preferred_forename, preferred_surname, sex, dob, town,
       split_part(postcode, ' ', 1) AS postcode_district, shielded,
       round(((0.35 * s_surname + 0.30 * s_dob
               + coalesce(0.25 * s_forename, 0) + coalesce(0.10 * s_postcode, 0))
              / (0.65 + CASE WHEN s_forename IS NULL THEN 0 ELSE 0.25 END
                      + CASE WHEN s_postcode IS NULL THEN 0 ELSE 0.10 END))::numeric, 3)::float8 AS score
  FROM scored
 WHERE s_surname >= 0.45 AND s_dob > 0
 ORDER BY score DESC, surname, forename, id
 LIMIT 40
