-- The statements of index/feeds/process.py (processing a feed, in chunks, resumable).

-- feed --
SELECT status, source_org_id, format, full_census, submitted_by, rows_done FROM feeds WHERE id = $1

-- reject --
UPDATE feeds SET status = 'rejected', error = $2, finished_at = now() WHERE id = $1

-- count_children --
SELECT count(*) FROM children

-- start --
UPDATE feeds SET status = 'processing', started_at = coalesce(started_at, now()), rows = $2,
       rejected = $3, model_version = $4 WHERE id = $1

-- row_errors --
INSERT INTO feed_row_errors (feed_id, row, column_name, message) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING

-- row_warnings --
INSERT INTO feed_row_warnings (feed_id, row, column_name, message) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING

-- resolve_lock --
-- One feed's chunk at a time is resolved against the index ($1 the lock's key).
SELECT pg_advisory_xact_lock($1)

-- rows_done --
SELECT rows_done FROM feeds WHERE id = $1 FOR UPDATE

-- chunk_done --
-- A chunk applied: rows done, and the counts it adds.
UPDATE feeds SET rows_done = $2, linked = linked + $3, created = created + $4,
       review = review + $5, unchanged = unchanged + $6 WHERE id = $1

-- done --
UPDATE feeds SET status = 'done', leavers = $2, finished_at = now() WHERE id = $1
