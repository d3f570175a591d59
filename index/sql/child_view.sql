-- One child's whole record as JSON, in one round trip. $1 = child id.
SELECT json_build_object(
    'id', c.id,
    'forename', c.forename,
    'middle_names', c.middle_names,
    'surname', c.surname,
    'preferred_forename', c.preferred_forename,
    'preferred_surname', c.preferred_surname,
    'sex', c.sex,
    'dob', c.dob,
    'owning_la', c.owning_la,
    'shielded', c.shielded,
    'archived_at', c.archived_at,
    'died_on', c.died_on,
    'shield_reason', c.shield_reason,
    'connexions_opt_out', EXISTS (SELECT 1 FROM connexions_opt_outs x WHERE x.child_id = c.id),
    'address', json_build_object(
        'state', c.address_state, 'line1', c.address_line1, 'line2', c.address_line2,
        'town', c.town, 'postcode', c.postcode),
    'former_names', (
        SELECT coalesce(json_agg(json_build_object('forename', f.forename, 'surname', f.surname)
                                 ORDER BY f.recorded_at, f.id), '[]')
          FROM child_former_names f WHERE f.child_id = c.id),
    'identifiers', (
        SELECT coalesce(json_agg(json_build_object(
                   'scheme', i.scheme, 'value', i.value, 'valid', i.valid,
                   'temporary', i.temporary, 'source', so.code) ORDER BY i.scheme, i.id), '[]')
          FROM child_identifiers i LEFT JOIN organisations so ON so.id = i.source_org_id
         WHERE i.child_id = c.id),
    'carers', (
        SELECT coalesce(json_agg(json_build_object(
                   'forename', k.forename, 'surname', k.surname, 'relationship', k.relationship,
                   'parental_responsibility', k.parental_responsibility,
                   'phone', k.phone, 'email', k.email) ORDER BY k.id), '[]')
          FROM carers k WHERE k.child_id = c.id),
    'involvements', (
        SELECT coalesce(json_agg(json_build_object(
                   'id', v.id,
                   'organisation', json_build_object(
                       'code', o.code, 'kind', o.kind, 'name', o.name, 'sensitive', o.sensitive,
                       'phone', o.phone, 'email', o.email),
                   'contact', json_build_object(
                       'name', v.contact_name, 'phone', v.contact_phone, 'email', v.contact_email),
                   'start_date', v.start_date,
                   'end_date', v.end_date,
                   'indicators', (
                       SELECT coalesce(json_agg(json_build_object(
                                  'id', d.id, 'kind', d.kind, 'set_at', d.set_at, 'set_by_id', d.set_by,
                                  'set_by', json_build_object(
                                      'name', u.name, 'phone', u.phone, 'email', u.email,
                                      'organisation', uo.code)) ORDER BY d.set_at, d.id), '[]')
                         FROM indicators d
                         LEFT JOIN users u ON u.id = d.set_by
                         LEFT JOIN organisations uo ON uo.id = u.org_id
                        WHERE d.involvement_id = v.id AND d.cleared_at IS NULL))
               ORDER BY v.end_date IS NOT NULL, v.start_date DESC, v.id), '[]')
          FROM involvements v JOIN organisations o ON o.id = v.org_id
         WHERE v.child_id = c.id)
)::text
FROM children c
WHERE c.id = $1
