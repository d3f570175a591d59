-- A source record keeps each value whole: the census readers accept cells of up to 200
-- characters, so the name and identifier columns allow 200 too (0004 said 100 and 40,
-- and a longer value made the whole chunk fail). The child's own columns stay as they
-- are; feed rows are cut to fit. Control characters are refused by the feed parser.
ALTER TABLE source_records
    DROP CONSTRAINT source_records_forename_check,
    DROP CONSTRAINT source_records_surname_check,
    DROP CONSTRAINT source_records_preferred_forename_check,
    DROP CONSTRAINT source_records_preferred_surname_check,
    DROP CONSTRAINT source_records_former_surname_check,
    ADD CONSTRAINT source_records_forename_check CHECK (length(forename) <= 200),
    ADD CONSTRAINT source_records_surname_check CHECK (length(surname) <= 200),
    ADD CONSTRAINT source_records_preferred_forename_check CHECK (length(preferred_forename) <= 200),
    ADD CONSTRAINT source_records_preferred_surname_check CHECK (length(preferred_surname) <= 200),
    ADD CONSTRAINT source_records_former_surname_check CHECK (length(former_surname) <= 200),
    DROP CONSTRAINT source_records_upn_check,
    DROP CONSTRAINT source_records_former_upn_check,
    DROP CONSTRAINT source_records_uln_check,
    DROP CONSTRAINT source_records_nhs_number_check,
    ADD CONSTRAINT source_records_upn_check CHECK (upn ~ '^[^\n]{1,200}$'),
    ADD CONSTRAINT source_records_former_upn_check CHECK (former_upn ~ '^[^\n]{1,200}$'),
    ADD CONSTRAINT source_records_uln_check CHECK (uln ~ '^[^\n]{1,200}$'),
    ADD CONSTRAINT source_records_nhs_number_check CHECK (nhs_number ~ '^[^\n]{1,200}$');

ALTER TABLE source_record_carers
    DROP CONSTRAINT source_record_carers_forename_check,
    DROP CONSTRAINT source_record_carers_surname_check,
    ADD CONSTRAINT source_record_carers_forename_check CHECK (length(forename) <= 200),
    ADD CONSTRAINT source_record_carers_surname_check CHECK (length(surname) <= 200);
