-- Points: the rules per tier, and the ledger. Every change is an entry with
-- signed points; a customer's balance is the sum of their entries. Earned
-- points form lots that lapse after 24 months; `remaining` is what is left of
-- a lot, taken by redemptions, expiry and refunds, oldest expiry first.

CREATE TABLE point_rules (
    -- standard (everyone), member; the members' tiers join later
    tier TEXT PRIMARY KEY,
    points_per_yuan BIGINT NOT NULL
);
INSERT INTO point_rules (tier, points_per_yuan) VALUES ('standard', 1), ('member', 2);

CREATE TABLE point_entries (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- earn, redeem, expire, refund
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    -- money spent (earn) or refunded (refund), in fen
    amount_fen BIGINT NOT NULL DEFAULT 0,
    -- earn: the tier rule and promotion applied
    tier TEXT NOT NULL DEFAULT '',
    promotion_percent BIGINT NOT NULL DEFAULT 100,
    -- refund: the purchase (earn entry) refunded
    purchase_id BIGINT REFERENCES point_entries (id),
    -- earn: the business date its points lapse, and what is left of them
    expires_on TEXT,
    remaining BIGINT NOT NULL DEFAULT 0,
    -- the repair order, the gift redeemed, …
    reference TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    business_date TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX point_entries_customer ON point_entries (customer_id, id);
CREATE INDEX point_entries_lapse ON point_entries (expires_on, remaining);
