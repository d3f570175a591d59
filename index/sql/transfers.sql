-- The statements of index/transfers.py (transfers of a child between LAs). Reading transfers
-- (COLUMNS, ONE, LIST) stays in Python: one column list, three WHERE clauses.

-- lock_child --
SELECT owning_la FROM children WHERE id = $1 FOR UPDATE

-- lock_transfer --
SELECT child_id, from_la, to_la, status FROM transfer_requests WHERE id = $1 FOR UPDATE

-- open_for_child --
SELECT 1 FROM transfer_requests WHERE child_id = $1 AND status = 'requested'

-- la_exists --
SELECT 1 FROM local_authorities WHERE code = $1

-- insert --
INSERT INTO transfer_requests (child_id, from_la, to_la, requested_by)
VALUES ($1, $2, $3, $4) RETURNING id

-- decide --
UPDATE transfer_requests SET status = $2, decided_by = $3, decided_at = now()
 WHERE id = $1 AND status = 'requested'

-- move_child --
UPDATE children SET owning_la = $2, updated_at = now() WHERE id = $1

-- child_of --
SELECT child_id FROM transfer_requests WHERE id = $1
