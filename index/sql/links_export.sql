-- One row per source record, in source and record-key order: its open link (if any)
-- and whether it waits in an open review item.
SELECT o.code AS source, sr.record_key, l.child_id, l.method, l.match_weight,
       (ri.id IS NOT NULL) AS in_review
  FROM source_records sr
  JOIN organisations o ON o.id = sr.source_org_id
  LEFT JOIN links l ON l.source_record_id = sr.id AND l.unlinked_at IS NULL
  LEFT JOIN review_items ri ON ri.source_record_id = sr.id AND ri.status = 'open'
 ORDER BY o.code, sr.record_key
