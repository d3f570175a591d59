-- The statements of index/feeds/store.py (feed sources, submitted feeds and their stored rows, status).

-- organisation_by_code --
SELECT id, kind FROM organisations WHERE code = $1

-- mark_feed_source --
UPDATE organisations SET feed_source = true WHERE id = $1

-- source --
SELECT id, code, kind, la_code, urn, laestab FROM organisations WHERE feed_source AND (code = $1 OR id = $2)

-- submit --
-- A new feed, queued (or rejected, finished now); nothing if the same content was submitted already.
INSERT INTO feeds (source_org_id, sha256, format, full_census, submitted_by, status, error, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'rejected' THEN now() END)
ON CONFLICT ON CONSTRAINT feeds_same_content DO NOTHING RETURNING id

-- same_feed --
SELECT id FROM feeds WHERE source_org_id = $1 AND sha256 = $2 AND full_census = $3

-- store_rows --
INSERT INTO feed_files (feed_id, compressed, size, expires_at, content) VALUES ($1, $2, $3, now() + $4::interval, 'rows')

-- stored_rows --
SELECT compressed, content FROM feed_files WHERE feed_id = $1

-- feed_format --
SELECT format FROM feeds WHERE id = $1

-- drop_rows --
DELETE FROM feed_files WHERE feed_id = $1

-- purge_expired_files --
DELETE FROM feed_files WHERE expires_at < now()

-- status --
-- One feed with its counts and its source's code, organisation id and LA.
SELECT f.id, o.code AS source, f.format, f.full_census, f.status, f.error, f.rows, f.rows_done, f.linked,
       f.created, f.review, f.rejected, f.unchanged, f.leavers, f.model_version, f.submitted_at, f.finished_at,
       f.source_org_id, o.la_code
  FROM feeds f JOIN organisations o ON o.id = f.source_org_id
 WHERE f.id = $1

-- row_errors --
SELECT row, column_name, message FROM feed_row_errors WHERE feed_id = $1 ORDER BY row LIMIT $2

-- row_warnings --
SELECT row, column_name, message FROM feed_row_warnings WHERE feed_id = $1 ORDER BY row, column_name LIMIT $2

-- list --
-- Feeds of organisation $1 or of every source of LA $2, newest first, after feed $3 (NULL: from the
-- newest), $4 at most.
SELECT f.id, o.code AS source, f.format, f.full_census, f.status, f.rows, f.linked, f.created, f.review,
       f.rejected, f.unchanged, f.leavers, f.submitted_at, f.finished_at
  FROM feeds f JOIN organisations o ON o.id = f.source_org_id
 WHERE (o.id = $1 OR o.la_code = $2)
   AND ($3::uuid IS NULL OR (f.submitted_at, f.id) < (SELECT submitted_at, id FROM feeds WHERE id = $3))
 ORDER BY f.submitted_at DESC, f.id DESC
 LIMIT $4
