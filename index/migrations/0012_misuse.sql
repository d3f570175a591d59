-- Misuse detection (issue 5): configurable rules evaluated on each search and view,
-- and the alerts they raise for auditors. See index/misuse.py.

-- One row per rule. A rule of kind
--   distinct_children  fires when a user has viewed more than `threshold` distinct
--                      children within `window_minutes`;
--   out_of_area        fires when a user has made more than `threshold` views of children
--                      owned by another LA than their organisation's within `window_minutes`;
--   own_surname        fires on a search for the user's own surname. Every such search
--                      counts, so threshold is 1 and there is no window.
-- The action says whether a firing rule only alerts the auditors or also suspends the
-- account until an auditor reinstates it.
CREATE TABLE misuse_rules (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z_]{1,40}$'),
    kind            text NOT NULL CHECK (kind IN ('distinct_children', 'own_surname', 'out_of_area')),
    threshold       integer NOT NULL CHECK (threshold BETWEEN 0 AND 100000),
    window_minutes  integer CHECK (window_minutes BETWEEN 1 AND 10080),
    action          text NOT NULL CHECK (action IN ('alert', 'suspend')),
    enabled         boolean NOT NULL DEFAULT true,
    CONSTRAINT misuse_rules_own_surname CHECK (
        CASE WHEN kind = 'own_surname' THEN threshold = 1 AND window_minutes IS NULL
             ELSE window_minutes IS NOT NULL END)
);

INSERT INTO misuse_rules (code, kind, threshold, window_minutes, action) VALUES
    -- Browsing: far more children in an hour than casework explains. Suspend: the harm
    -- of bulk browsing (or a stolen token being used to harvest records) grows with
    -- every further view, so it is stopped at once and an auditor decides.
    ('distinct_children', 'distinct_children', 50, 60, 'suspend'),
    -- Looking up one's own family. Alert only: a common surname, a namesake or a
    -- declared family link are innocent explanations, and a practitioner suspended in
    -- the middle of safeguarding work is a harm of its own; one search exposes little,
    -- and the auditor can suspend by closing the alert without reinstatement.
    ('own_surname', 'own_surname', 1, NULL, 'alert'),
    -- Views outside the user's own LA: normal near a border or after a move, suspicious
    -- in bulk. Alert only.
    ('out_of_area', 'out_of_area', 20, 60, 'alert');

-- An alert raised by a rule, for the auditors. The details hold counts, codes and ids
-- only, never names (the check keeps out capitals, apostrophes and full stops).
CREATE TABLE misuse_alerts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    rule_code   text NOT NULL REFERENCES misuse_rules (code),
    user_id     uuid NOT NULL REFERENCES users (id),
    raised_at   timestamptz NOT NULL DEFAULT now(),
    details     jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT misuse_alerts_details_codes CHECK (
                    jsonb_typeof(details) = 'object' AND details::text ~ '^[][{}",: 0-9a-z_-]*$'),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at   timestamptz,
    closed_by   uuid REFERENCES users (id),
    outcome     text CHECK (outcome IN ('misuse', 'no_misuse', 'referred')),
    CONSTRAINT misuse_alerts_closed CHECK (
        (status = 'open') = (closed_at IS NULL) AND (closed_at IS NULL) = (outcome IS NULL))
);
-- A flood of requests raises one alert: at most one open alert per user and rule.
CREATE UNIQUE INDEX misuse_alerts_one_open ON misuse_alerts (user_id, rule_code) WHERE status = 'open';
-- Counting restarts after the last closed alert of a rule (see index/misuse.py).
CREATE INDEX misuse_alerts_user ON misuse_alerts (user_id, rule_code, closed_at);
CREATE INDEX misuse_alerts_status ON misuse_alerts (status, raised_at);
