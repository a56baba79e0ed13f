-- How a settled repair order was paid, the points the customer's own money
-- earned (the ledger's earn entry), and what has been refunded since.
ALTER TABLE repair_orders ADD COLUMN payment_method TEXT;
ALTER TABLE repair_orders ADD COLUMN points_entry BIGINT REFERENCES point_entries (id);
ALTER TABLE repair_orders ADD COLUMN points_earned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE repair_orders ADD COLUMN refunded_fen BIGINT NOT NULL DEFAULT 0;
