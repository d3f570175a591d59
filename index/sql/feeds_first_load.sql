-- The statements of index/feeds/first_load.py (a feed into an empty index, in one piece).

-- any_record_or_child --
-- A first load is for an index with neither.
SELECT EXISTS (SELECT 1 FROM source_records) OR EXISTS (SELECT 1 FROM children)

-- now --
-- The time the records are written at (row k at this plus k microseconds: apply_rows' upsert takes
-- clock_timestamp() for each row).
SELECT clock_timestamp()
