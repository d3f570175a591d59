-- The candidate lookup reads (key, source_record_id) from the index alone (an
-- index-only scan over the batch's sorted keys), never the table.
DROP INDEX match_keys_lookup;
CREATE INDEX match_keys_lookup ON match_keys (key) INCLUDE (source_record_id);
