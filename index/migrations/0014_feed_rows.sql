-- Feeds keep no source file (issue 12): what is stored for a queued feed is the rows
-- the index may hold, extracted at submission, and only until the feed is processed.
-- 'raw' marks a file stored before this migration (parsed when its feed is processed).
ALTER TABLE feed_files ADD COLUMN content text NOT NULL DEFAULT 'raw' CHECK (content IN ('raw', 'rows'));
ALTER TABLE feed_files ALTER COLUMN content SET DEFAULT 'rows';
-- Files of feeds already processed or rejected go now; they carried case content.
DELETE FROM feed_files f USING feeds d WHERE d.id = f.feed_id AND d.status IN ('done', 'rejected');

-- Row warnings: a row that was used, with a value worth a look (an identifier whose
-- check digit or letter is wrong is kept, flagged invalid, and never used to match).
CREATE TABLE feed_row_warnings (
    feed_id         uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    row             integer NOT NULL CHECK (row >= 1),
    column_name     text NOT NULL CHECK (column_name ~ '^[A-Za-z0-9_./]{1,60}$'),
    message         text NOT NULL CHECK (message ~ '^[^\n]+$' AND length(message) <= 300),
    PRIMARY KEY (feed_id, row, column_name)
);

-- A source's feeds, newest first (GET /feeds).
CREATE INDEX feeds_by_source ON feeds (source_org_id, submitted_at DESC, id DESC);

-- A CTF's row errors name elements by path (Address/BS7666Address, BasicDetails/FormerUPN).
ALTER TABLE feed_row_errors DROP CONSTRAINT feed_row_errors_column_name_check;
ALTER TABLE feed_row_errors ADD CONSTRAINT feed_row_errors_column_name_check
    CHECK (column_name ~ '^[A-Za-z0-9_./]{1,60}$');
