-- Subject access, part 3: every audit event naming the child, oldest first, with who
-- acted (name from users, organisation name from organisations). Never the event's other
-- child ids, nor its query (search terms). `via` is 'cli' for the command line's events.
-- $1 = child id.
SELECT coalesce(json_agg(json_build_object(
           'id', e.id, 'at', e.at, 'request_id', e.request_id, 'action', e.action, 'outcome', e.outcome,
           'status', e.status, 'reason', e.reason, 'case_ref', e.case_ref, 'user_id', e.user_id,
           'user_name', u.name, 'org_code', e.org_code, 'organisation', o.name, 'role', e.role,
           'via', e.query ->> 'via')
       ORDER BY e.at, e.id), '[]')::text
  FROM audit_events e
  LEFT JOIN users u ON u.id = e.user_id
  LEFT JOIN organisations o ON o.code = e.org_code
 WHERE e.child_ids @> ARRAY[$1::uuid]
