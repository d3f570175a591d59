-- Feed workers' liveness (issue 12). Each worker process (isindex worker, or the one
-- inside serve) upserts its row every third of its heartbeat while it is connected to
-- the queue, and deletes it when it stops cleanly. /health reports a row whose beat is
-- older than its timeout as a stalled (or dead) worker; live workers forget such a row
-- after ten timeouts. Operational facts only: no child data.
CREATE TABLE feed_workers (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('serve', 'worker')),
    host        text NOT NULL CHECK (host ~ '^[A-Za-z0-9._-]{1,255}$'),
    pid         integer NOT NULL CHECK (pid > 0),
    timeout_s   integer NOT NULL CHECK (timeout_s >= 1),
    started_at  timestamptz NOT NULL DEFAULT now(),
    beat_at     timestamptz NOT NULL DEFAULT now(),
    reconnects  integer NOT NULL DEFAULT 0 CHECK (reconnects >= 0)
);

-- /health's oldest queued feed.
CREATE INDEX feeds_queued ON feeds (submitted_at) WHERE status = 'queued';
