-- Misuse rule out_of_area: raise an alert when the user has made more than $4 views,
-- within the last $3 minutes (or since their last closed alert of this rule, if later),
-- of children whose owning LA is not $7 (the user's organisation's LA). Runs only
-- when this request viewed such a child ($8) and no alert of this rule is open.
-- $1 user id, $2 rule code, $3 window minutes, $4 threshold, $5 the view actions,
-- $6 the rule's action. Scans the user's events through audit_events_user (user_id, at).
WITH since AS (
    SELECT greatest(now() - make_interval(mins => $3::int),
                    coalesce((SELECT max(a.closed_at) FROM misuse_alerts a
                               WHERE a.user_id = $1 AND a.rule_code = $2), '-infinity')) AS at
), counted AS (
    SELECT count(*) AS n FROM (
        SELECT v.child_id
          FROM since, audit_events e CROSS JOIN LATERAL unnest(e.child_ids) AS v (child_id)
         WHERE e.user_id = $1 AND e.at >= since.at AND e.action = ANY ($5::text[]) AND e.outcome = 'ok'
        UNION ALL
        SELECT unnest($8::uuid[])       -- this request's children: its event is written after the check
    ) seen
      JOIN children c ON c.id = seen.child_id
     WHERE c.owning_la <> $7::text
)
INSERT INTO misuse_alerts (rule_code, user_id, details)
SELECT $2, $1, jsonb_build_object('out_of_area_views', n, 'user_la', $7::text, 'threshold', $4::int,
                                  'window_minutes', $3::int, 'action', $6::text)
  FROM counted
 WHERE EXISTS (SELECT 1 FROM children x WHERE x.id = ANY ($8::uuid[]) AND x.owning_la <> $7::text)
   AND NOT EXISTS (SELECT 1 FROM misuse_alerts o WHERE o.user_id = $1 AND o.rule_code = $2 AND o.status = 'open')
   AND n > $4::int
ON CONFLICT (user_id, rule_code) WHERE status = 'open' DO NOTHING
RETURNING id, raised_at, details
