-- The statements of index/involvements.py (a practitioner's involvements and indicators).

-- org_sensitive --
SELECT sensitive FROM organisations WHERE id = $1

-- child_dob --
SELECT dob FROM children WHERE id = $1

-- open_involvement --
SELECT id FROM involvements WHERE child_id = $1 AND org_id = $2 AND end_date IS NULL

-- register --
-- A practitioner's involvement; $8 the consent basis of a sensitive service (recorded by $7, now).
INSERT INTO involvements
    (child_id, org_id, contact_name, contact_phone, contact_email, start_date, source, created_by,
     consent_basis, consent_recorded_by, consent_recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, 'practitioner', $7::uuid, $8::text, CASE WHEN $8::text IS NOT NULL THEN $7::uuid END,
        CASE WHEN $8::text IS NOT NULL THEN now() END) RETURNING id

-- own_involvement --
SELECT child_id, org_id, start_date, end_date FROM involvements WHERE id = $1 FOR UPDATE

-- end --
UPDATE involvements SET end_date = $2, ended_by = $3 WHERE id = $1

-- clear_indicators --
-- Indicators live on an open involvement only: ending it clears them.
UPDATE indicators SET cleared_at = now(), cleared_by = $2 WHERE involvement_id = $1 AND cleared_at IS NULL

-- open_indicator --
SELECT id FROM indicators WHERE involvement_id = $1 AND kind = $2 AND cleared_at IS NULL

-- set_indicator --
INSERT INTO indicators (involvement_id, kind, set_by) VALUES ($1, $2, $3) RETURNING id, set_at

-- indicator --
SELECT d.set_by, d.cleared_at, v.child_id
  FROM indicators d JOIN involvements v ON v.id = d.involvement_id
 WHERE d.id = $1 FOR UPDATE OF d

-- clear_indicator --
UPDATE indicators SET cleared_at = now(), cleared_by = $2 WHERE id = $1 RETURNING cleared_at
