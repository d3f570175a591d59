-- Subject access, part 2: every source record ever linked to the child, with its links
-- to this child (current and past), and the LA review items about the child. $1 = child id.
-- Nothing here names another child: a record now linked to another child keeps only its
-- source, key and the links to this child (`linked_elsewhere`, its fields left out), and
-- a review item shows a record key only for a record once linked to this child.
SELECT json_build_object(
    'source_records', (
        SELECT coalesce(json_agg(json_build_object(
                   'id', sr.id,
                   'source', json_build_object('code', o.code, 'kind', o.kind, 'name', o.name),
                   'record_key', sr.record_key,
                   'received_at', sr.received_at,
                   'updated_at', sr.updated_at,
                   'linked_elsewhere', other.id IS NOT NULL,
                   'fields', CASE WHEN other.id IS NULL THEN json_build_object(
                       'forename', sr.forename, 'middle_names', sr.middle_names, 'surname', sr.surname,
                       'preferred_forename', sr.preferred_forename, 'preferred_surname', sr.preferred_surname,
                       'former_surname', sr.former_surname, 'dob', sr.dob, 'gender', sr.gender,
                       'address_line1', sr.address_line1, 'address_line2', sr.address_line2, 'town', sr.town,
                       'postcode', sr.postcode, 'upn', sr.upn, 'former_upn', sr.former_upn, 'uln', sr.uln,
                       'nhs_number', sr.nhs_number) END,
                   'carers', CASE WHEN other.id IS NULL THEN (
                       SELECT coalesce(json_agg(json_build_object(
                                  'position', k.position, 'forename', k.forename, 'surname', k.surname,
                                  'relationship', k.relationship,
                                  'parental_responsibility', k.parental_responsibility, 'phone', k.phone)
                                  ORDER BY k.position), '[]')
                         FROM source_record_carers k WHERE k.source_record_id = sr.id) ELSE '[]' END,
                   'links', (
                       SELECT json_agg(json_build_object(
                                  'id', l.id, 'method', l.method, 'match_weight', l.match_weight,
                                  'model_version', l.model_version, 'feed_id', l.feed_id, 'review_id', l.review_id,
                                  'linked_at', l.linked_at,
                                  'linked_by', (
                                      SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                                        FROM users u JOIN organisations uo ON uo.id = u.org_id
                                       WHERE u.id = l.linked_by),
                                  'unlinked_at', l.unlinked_at,
                                  'unlinked_by', (
                                      SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                                        FROM users u JOIN organisations uo ON uo.id = u.org_id
                                       WHERE u.id = l.unlinked_by))
                                  ORDER BY l.linked_at, l.id)
                         FROM links l WHERE l.source_record_id = sr.id AND l.child_id = $1))
               ORDER BY o.code, sr.record_key), '[]')
          FROM source_records sr
          JOIN organisations o ON o.id = sr.source_org_id
          LEFT JOIN links other ON other.source_record_id = sr.id AND other.unlinked_at IS NULL
                               AND other.child_id <> $1
         WHERE sr.id IN (SELECT l.source_record_id FROM links l WHERE l.child_id = $1)),
    'review_items', (
        SELECT coalesce(json_agg(json_build_object(
                   'id', ri.id,
                   'source', o.code,
                   'record_key', CASE WHEN EXISTS (
                       SELECT 1 FROM links l WHERE l.source_record_id = ri.source_record_id AND l.child_id = $1)
                       THEN sr.record_key END,
                   'reasons', ri.reasons,
                   'status', ri.status,
                   'created_at', ri.created_at,
                   'candidate_rank', rc.rank,
                   'match_weight', rc.match_weight,
                   'ruled_out_at', nm.decided_at,
                   'ruled_out_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = nm.decided_by),
                   'split_of_this_child', coalesce(sl.child_id = $1, false),
                   'decided_at', ri.decided_at,
                   'decided_by', (
                       SELECT json_build_object('id', u.id, 'name', u.name, 'organisation', uo.code)
                         FROM users u JOIN organisations uo ON uo.id = u.org_id WHERE u.id = ri.decided_by),
                   'decided_for_this_child', coalesce(ri.decided_child_id = $1, false))
               ORDER BY ri.created_at, ri.id), '[]')
          FROM review_items ri
          JOIN source_records sr ON sr.id = ri.source_record_id
          JOIN organisations o ON o.id = sr.source_org_id
          LEFT JOIN review_candidates rc ON rc.review_id = ri.id AND rc.child_id = $1
          LEFT JOIN not_matches nm ON nm.source_record_id = ri.source_record_id AND nm.child_id = $1
          LEFT JOIN links sl ON sl.id = ri.split_link_id
         WHERE rc.child_id IS NOT NULL OR ri.decided_child_id = $1 OR sl.child_id = $1)
)::text
