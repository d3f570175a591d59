-- Misuse rule distinct_children: raise an alert when the user has viewed more than
-- $4 distinct children within the last $3 minutes (or since their last closed alert of
-- this rule, if later), unless an alert of this rule is already open.
-- $1 user id, $2 rule code, $3 window minutes, $4 threshold, $5 the view actions,
-- $6 the rule's action, $7 the children this request viewed. Scans the user's events through audit_events_user (user_id, at).
WITH since AS (
    SELECT greatest(now() - make_interval(mins => $3::int),
                    coalesce((SELECT max(a.closed_at) FROM misuse_alerts a
                               WHERE a.user_id = $1 AND a.rule_code = $2), '-infinity')) AS at
), counted AS (
    SELECT count(DISTINCT child_id) AS n FROM (
        SELECT v.child_id
          FROM since, audit_events e CROSS JOIN LATERAL unnest(e.child_ids) AS v (child_id)
         WHERE e.user_id = $1 AND e.at >= since.at AND e.action = ANY ($5::text[]) AND e.outcome = 'ok'
        UNION ALL
        SELECT unnest($7::uuid[])       -- this request's children: its event is written after the check
    ) seen
)
INSERT INTO misuse_alerts (rule_code, user_id, details)
SELECT $2, $1, jsonb_build_object('distinct_children', n, 'threshold', $4::int,
                                  'window_minutes', $3::int, 'action', $6::text)
  FROM counted
 WHERE NOT EXISTS (SELECT 1 FROM misuse_alerts o WHERE o.user_id = $1 AND o.rule_code = $2 AND o.status = 'open')
   AND n > $4::int
ON CONFLICT (user_id, rule_code) WHERE status = 'open' DO NOTHING
RETURNING id, raised_at, details
