-- Late fees (issue 21 §6): only where an estate's service contract sets a
-- daily rate (off when there is no row), charged or waived once per bill;
-- a waiver names the manager and the reason.

CREATE TABLE estate_late_fee_terms (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id),
    -- ten-thousandths a day, 1 to 100
    daily_rate BIGINT NOT NULL,
    set_by BIGINT NOT NULL,
    set_at TEXT NOT NULL
);

CREATE TABLE estate_late_fees (
    bill_id BIGINT PRIMARY KEY REFERENCES estate_bills (id),
    days BIGINT NOT NULL,
    -- fen; 0 when waived
    amount BIGINT NOT NULL,
    as_of TEXT NOT NULL,
    -- the one-off charge that bills it; NULL when waived
    charge_id BIGINT REFERENCES estate_one_off_charges (id),
    waived_reason TEXT,
    decided_by BIGINT NOT NULL,
    decided_at TEXT NOT NULL
);
