-- The statements of index/retention.py (archiving and purging children, recording a death or the
-- consent to keep a record to 25).

-- plan_archive --
-- $1 today. Children not archived who have reached their age, or whose death was a year
-- ago or more; the rule is the one that came first (a tie goes to age).
WITH due AS (
    SELECT id, dob, died_on, kept_to_25 FROM children
     WHERE archived_at IS NULL AND dob <= ($1::date - interval '18 years')::date
    UNION
    SELECT id, dob, died_on, kept_to_25 FROM children
     WHERE archived_at IS NULL AND died_on <= ($1::date - interval '1 year')::date
), ruled AS (
    SELECT id, kept_to_25,
           dob + CASE WHEN kept_to_25 THEN interval '25 years' ELSE interval '18 years' END AS age_at,
           died_on + interval '1 year' AS death_at,
           (dob <= ($1::date - interval '25 years')::date
            OR (NOT kept_to_25 AND dob <= ($1::date - interval '18 years')::date)) AS age_due,
           coalesce(died_on <= ($1::date - interval '1 year')::date, false) AS death_due
      FROM due
)
SELECT id, CASE WHEN death_due AND (NOT age_due OR death_at < age_at) THEN 'death'
                WHEN kept_to_25 THEN 'age_25' ELSE 'age_18' END AS rule
  FROM ruled
 WHERE age_due OR death_due
 ORDER BY id

-- plan_purge --
-- $1 today. Archived at least six years before the start of today.
SELECT id FROM children
 WHERE archived_at <= ($1::date - interval '6 years')::timestamp AT TIME ZONE 'Europe/London'
 ORDER BY id

-- archive --
-- $1 ids, $2 today. The rules again, so that a change since the plan is respected.
UPDATE children SET archived_at = $2::date::timestamp AT TIME ZONE 'Europe/London', updated_at = now()
 WHERE id = ANY($1::uuid[]) AND archived_at IS NULL
   AND (dob <= ($2::date - interval '25 years')::date
        OR (NOT kept_to_25 AND dob <= ($2::date - interval '18 years')::date)
        OR died_on <= ($2::date - interval '1 year')::date)
RETURNING id

-- lock_purge --
-- $1 ids, $2 today. Locks the children still due, so that a concurrent run waits.
SELECT id FROM children
 WHERE id = ANY($1::uuid[])
   AND archived_at <= ($2::date - interval '6 years')::timestamp AT TIME ZONE 'Europe/London'
 ORDER BY id
   FOR UPDATE

-- purge_records --
-- $1 child ids. Their source records: each record's current link, else its last one,
-- is to one of them. A record now linked to another child is not theirs.
WITH last AS (
    SELECT DISTINCT ON (l.source_record_id) l.source_record_id, l.child_id
      FROM links l
     WHERE l.source_record_id IN (SELECT source_record_id FROM links WHERE child_id = ANY($1::uuid[]))
     ORDER BY l.source_record_id, l.unlinked_at IS NULL DESC, l.id DESC
)
SELECT source_record_id FROM last WHERE child_id = ANY($1::uuid[]) ORDER BY source_record_id

-- delete_keys --
DELETE FROM match_keys WHERE source_record_id = ANY($1::uuid[])

-- delete_records --
DELETE FROM source_records WHERE id = ANY($1::uuid[])

-- delete_children --
DELETE FROM children WHERE id = ANY($1::uuid[])

-- record --
UPDATE children SET died_on = CASE WHEN $2 THEN $3 ELSE died_on END, kept_to_25 = coalesce($4, kept_to_25),
       retention_recorded_by = $5, retention_recorded_at = now(), updated_at = now()
 WHERE id = $1
RETURNING id AS child_id, kept_to_25, died_on, archived_at

-- lock_child --
SELECT dob, owning_la, archived_at FROM children WHERE id = $1 FOR UPDATE
