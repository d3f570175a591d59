-- Subject access, part 1: the child as held, with names, identifiers, carers, the
-- Connexions opt-out, every involvement (ended ones too) with every indicator (cleared
-- ones too), transfers and investigations. $1 = child id.
-- A person who acted is {id, name, organisation}, or null.
-- `other` carries any column of children not named here (added by a later migration).
SELECT json_build_object(
    'generated_at', clock_timestamp(),
    'child', json_build_object(
        'id', c.id,
        'forename', c.forename,
        'middle_names', c.middle_names,
        'surname', c.surname,
        'preferred_forename', c.preferred_forename,
        'preferred_surname', c.preferred_surname,
        'former_names', (
            SELECT coalesce(json_agg(json_build_object(
                       'forename', f.forename, 'surname', f.surname, 'recorded_at', f.recorded_at)
                       ORDER BY f.recorded_at, f.id), '[]')
              FROM child_former_names f WHERE f.child_id = c.id),
        'sex', c.sex,
        'dob', c.dob,
        'address', json_build_object(
            'state', c.address_state, 'line1', c.address_line1, 'line2', c.address_line2,
            'town', c.town, 'postcode', c.postcode),
        'owning_la', c.owning_la,
        'owning_la_name', la.name,
        'shielded', c.shielded,
        'shield_reason', c.shield_reason,
        'shielded_at', c.shielded_at,
        'created_at', c.created_at,
        'updated_at', c.updated_at,
        'other', to_jsonb(c) - ARRAY[
            'id', 'forename', 'middle_names', 'surname', 'preferred_forename', 'preferred_surname', 'sex',
            'dob', 'address_state', 'address_line1', 'address_line2', 'town', 'postcode', 'owning_la',
            'shielded', 'shield_reason', 'shielded_at', 'created_at', 'updated_at']::text[]),
    'identifiers', (
        SELECT coalesce(json_agg(json_build_object(
                   'scheme', i.scheme, 'value', i.value, 'raw_value', i.raw_value, 'valid', i.valid,
                   'temporary', i.temporary, 'source', so.code, 'source_name', so.name,
                   'recorded_at', i.recorded_at) ORDER BY i.scheme, i.id), '[]')
          FROM child_identifiers i LEFT JOIN organisations so ON so.id = i.source_org_id
         WHERE i.child_id = c.id),
    'carers', (
        SELECT coalesce(json_agg(json_build_object(
                   'forename', k.forename, 'surname', k.surname, 'relationship', k.relationship,
                   'parental_responsibility', k.parental_responsibility, 'phone', k.phone, 'email', k.email,
                   'source', so.code) ORDER BY k.id), '[]')
          FROM carers k LEFT JOIN organisations so ON so.id = k.source_org_id
         WHERE k.child_id = c.id),
    'connexions_opt_out', (
        SELECT json_build_object(
                   'requested_by', x.requested_by, 'received_via', x.received_via, 'recorded_at', x.recorded_at,
                   'recorded_by', (SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                                     FROM users u JOIN organisations uo ON uo.id = u.org_id
                                    WHERE u.id = x.recorded_by))
          FROM connexions_opt_outs x WHERE x.child_id = c.id),
    'involvements', (
        SELECT coalesce(json_agg(json_build_object(
                   'id', v.id,
                   'organisation', json_build_object('code', o.code, 'kind', o.kind, 'name', o.name),
                   'contact', json_build_object(
                       'name', v.contact_name, 'phone', v.contact_phone, 'email', v.contact_email),
                   'start_date', v.start_date,
                   'end_date', v.end_date,
                   'source', v.source,
                   'consent_basis', v.consent_basis,
                   'consent_recorded_at', v.consent_recorded_at,
                   'consent_recorded_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = v.consent_recorded_by),
                   'created_at', v.created_at,
                   'created_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = v.created_by),
                   'ended_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = v.ended_by),
                   'indicators', (
                       SELECT coalesce(json_agg(json_build_object(
                                  'id', d.id, 'kind', d.kind, 'set_at', d.set_at,
                                  'set_by', (
                                      SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                                        FROM users u JOIN organisations uo ON uo.id = u.org_id
                                       WHERE u.id = d.set_by),
                                  'cleared_at', d.cleared_at,
                                  'cleared_by', (
                                      SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                                        FROM users u JOIN organisations uo ON uo.id = u.org_id
                                       WHERE u.id = d.cleared_by))
                                  ORDER BY d.set_at, d.id), '[]')
                         FROM indicators d WHERE d.involvement_id = v.id))
               ORDER BY v.start_date, v.created_at, v.id), '[]')
          FROM involvements v JOIN organisations o ON o.id = v.org_id
         WHERE v.child_id = c.id),
    'transfers', (
        SELECT coalesce(json_agg(json_build_object(
                   'from_la', t.from_la, 'to_la', t.to_la, 'status', t.status, 'requested_at', t.requested_at,
                   'requested_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = t.requested_by),
                   'decided_at', t.decided_at,
                   'decided_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = t.decided_by))
                   ORDER BY t.requested_at, t.id), '[]')
          FROM transfer_requests t WHERE t.child_id = c.id),
    'investigations', (
        SELECT coalesce(json_agg(json_build_object(
                   'kind', n.kind, 'la_code', n.la_code, 'opened_at', n.opened_at, 'due_at', n.due_at,
                   'user', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = n.user_id),
                   'closed_at', n.closed_at,
                   'closed_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = n.closed_by),
                   'outcome', n.outcome)
                   ORDER BY n.opened_at, n.id), '[]')
          FROM investigations n WHERE n.child_id = c.id)
)::text
FROM children c
JOIN local_authorities la ON la.code = c.owning_la
WHERE c.id = $1
