-- Retention (issue 5): a child is archived at 18, or at 25 with recorded consent
-- (kept_to_25: a care leaver, learning difficulties), or one year after a recorded
-- death when that comes first; an archived child is purged (hard deleted, with their
-- source records and links) six years after archiving. index.retention runs the rules.

ALTER TABLE children
    ADD COLUMN archived_at           timestamptz,
    ADD COLUMN died_on               date,
    ADD COLUMN kept_to_25            boolean NOT NULL DEFAULT false,
    -- Who last recorded a death or the consent to keep (index.retention.record).
    ADD COLUMN retention_recorded_by uuid REFERENCES users (id),
    ADD COLUMN retention_recorded_at timestamptz,
    -- Died on the day of birth is possible; before it is not. (dob > 1990-01-01 already.)
    ADD CONSTRAINT children_died_after_birth CHECK (died_on >= dob);

-- The job's lookups: children not yet archived who have reached an age (by dob), those
-- with a recorded death, and the archived by date (purge, one year of visibility).
CREATE INDEX children_due_by_age ON children (dob) WHERE archived_at IS NULL;
CREATE INDEX children_due_by_death ON children (died_on) WHERE archived_at IS NULL AND died_on IS NOT NULL;
CREATE INDEX children_archived ON children (archived_at) WHERE archived_at IS NOT NULL;

-- The purge reads each source record's link history (and deleting a source record
-- cascades to its links): neither had an index on links.source_record_id alone.
CREATE INDEX links_source_record ON links (source_record_id, id);
