-- The phonetic search path looks for a surname sound near a date of birth (same month,
-- same day in another month, same day and month a year either side) rather than across
-- a whole birth year: a common surname has ~2,000 children a year at 1M, ~200 near a date.
ALTER TABLE child_search_names ADD COLUMN dob date;
UPDATE child_search_names n SET dob = c.dob FROM children c WHERE c.id = n.child_id;
ALTER TABLE child_search_names ALTER COLUMN dob SET NOT NULL;
DROP INDEX child_search_names_sound;
ALTER TABLE child_search_names DROP COLUMN birth_year;
CREATE INDEX child_search_names_sound ON child_search_names (surname_sound, dob) INCLUDE (child_id);
