-- The statements of index/misuse.py (misuse rules, alerts, suspending and reinstating users). The
-- distinct_children and out_of_area rules are misuse_distinct_children.sql and misuse_out_of_area.sql.

-- enabled_rules --
SELECT code, kind, threshold, window_minutes, action, enabled
  FROM misuse_rules WHERE enabled ORDER BY code

-- own_surname --
-- Misuse rule own_surname: an alert for user $1 (rule $2) on every search of their own surname,
-- unless one is open already; $3 the children found, $4 the rule's action.
INSERT INTO misuse_alerts (rule_code, user_id, details)
SELECT $2, $1, jsonb_build_object('searches', 1, 'child_ids', $3::uuid[], 'action', $4::text)
 WHERE NOT EXISTS (SELECT 1 FROM misuse_alerts o WHERE o.user_id = $1 AND o.rule_code = $2 AND o.status = 'open')
ON CONFLICT (user_id, rule_code) WHERE status = 'open' DO NOTHING
RETURNING id, raised_at, details

-- suspend --
UPDATE users SET suspended_at = now() WHERE id = $1 AND suspended_at IS NULL

-- all_rules --
SELECT code, kind, threshold, window_minutes, action, enabled FROM misuse_rules ORDER BY code

-- update_rule --
-- Change rule $1's settings; NULL leaves one as it is.
UPDATE misuse_rules
   SET threshold = coalesce($2, threshold), window_minutes = coalesce($3, window_minutes),
       action = coalesce($4, action), enabled = coalesce($5, enabled)
 WHERE code = $1
RETURNING code, kind, threshold, window_minutes, action, enabled

-- rule_kind --
SELECT kind FROM misuse_rules WHERE code = $1

-- list_alerts --
SELECT a.id, a.rule_code, a.user_id, a.raised_at, a.details, a.status, o.code AS org_code,
       a.closed_at, a.closed_by, a.outcome
  FROM misuse_alerts a JOIN users u ON u.id = a.user_id JOIN organisations o ON o.id = u.org_id
 WHERE a.status = $1 ORDER BY a.raised_at DESC, a.id LIMIT $2

-- close_alert --
UPDATE misuse_alerts SET status = 'closed', closed_at = now(), closed_by = $2, outcome = $3
 WHERE id = $1 AND status = 'open'
RETURNING id

-- alert_by_id --
SELECT a.id, a.rule_code, a.user_id, a.raised_at, a.details, a.status, o.code AS org_code,
       a.closed_at, a.closed_by, a.outcome
  FROM misuse_alerts a JOIN users u ON u.id = a.user_id JOIN organisations o ON o.id = u.org_id
 WHERE a.id = $1

-- other_suspending --
-- Another open alert ($2 aside) of user $1 that suspended them.
SELECT 1 FROM misuse_alerts
 WHERE user_id = $1 AND id <> $2 AND status = 'open' AND details ->> 'action' = 'suspend'
 LIMIT 1

-- reinstate --
UPDATE users SET suspended_at = NULL WHERE id = $1 AND suspended_at IS NOT NULL
