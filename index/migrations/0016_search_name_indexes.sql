-- Practitioner search as matching (issue 13): the children born on a date, and those whose
-- surname sounds like the query's near a date, are narrowed by how near their name forms
-- are to the query's (pg_trgm similarity). Both indexes carry the name forms, so that the
-- narrowing reads the index alone, not a heap page per child.
CREATE INDEX child_search_names_dob ON child_search_names (dob) INCLUDE (child_id, forename_key, surname_key);
DROP INDEX child_search_names_sound;
CREATE INDEX child_search_names_sound ON child_search_names (surname_sound, dob)
    INCLUDE (child_id, forename_key, surname_key);
