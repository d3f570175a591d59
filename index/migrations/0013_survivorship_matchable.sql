-- Survivorship ranks and matchable children (issue 12).
--
-- Which source kind's record a child's names, sex, date of birth and address prefer
-- when linked sources disagree and no value has more sources behind it (see
-- index/feeds/survivorship.py and the README): lower rank wins; a kind not listed
-- ranks after every listed one. Data managers may change the ranks with SQL, e.g.
--   UPDATE source_kind_ranks SET rank = 1 WHERE kind = 'school';
CREATE TABLE source_kind_ranks (
    kind    text PRIMARY KEY CHECK (kind IN (
                'school', 'gp', 'health_visiting', 'social_care', 'youth_justice',
                'connexions', 'local_authority', 'sexual_health', 'mental_health',
                'substance_misuse')),
    rank    smallint NOT NULL CHECK (rank BETWEEN 1 AND 100)
);
INSERT INTO source_kind_ranks (kind, rank) VALUES
    ('local_authority', 1), ('school', 2), ('gp', 3), ('health_visiting', 4), ('social_care', 4),
    ('youth_justice', 4), ('connexions', 4), ('sexual_health', 4), ('mental_health', 4),
    ('substance_misuse', 4);

-- Every child the index holds must be findable by the matching engine: a census only
-- ever meets a child through the blocking keys of a source record linked to it. The
-- children that are not (and are not archived) are listed here; it should be empty
-- (tests check it after the demo and after feeds). A child left with no linked record
-- by reversing a review decision or by a split shows here until a record is linked.
CREATE VIEW children_unmatchable AS
SELECT c.id
  FROM children c
 WHERE c.archived_at IS NULL
   AND NOT EXISTS (
       SELECT 1 FROM links l JOIN match_keys k ON k.source_record_id = l.source_record_id
        WHERE l.child_id = c.id AND l.unlinked_at IS NULL);
