-- LA review decisions, so that each can be reversed: which review item's decision ruled
-- out a pair ("not this child"), and which link a split ended (a review item opened by
-- an unlink). Links made by a decision carry the item in links.review_id (0004).

ALTER TABLE not_matches ADD COLUMN review_id uuid REFERENCES review_items (id) ON DELETE SET NULL;
CREATE INDEX not_matches_review ON not_matches (review_id) WHERE review_id IS NOT NULL;

ALTER TABLE review_items ADD COLUMN split_link_id bigint REFERENCES links (id) ON DELETE SET NULL;

ALTER TABLE links ADD CONSTRAINT links_review_id_fkey
    FOREIGN KEY (review_id) REFERENCES review_items (id) ON DELETE SET NULL;
CREATE INDEX links_review ON links (review_id) WHERE review_id IS NOT NULL;
