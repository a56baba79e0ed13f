-- Property fees (issue 21 §6): fee items per estate, meter readings per
-- item, house and period (the master meter's under house 'MASTER'), bills
-- with their lines, the billing keys that make a run idempotent (a
-- reversal frees its bill's keys), payments with their allocation to
-- bills, and prepaid balances.

CREATE TABLE estate_fee_items (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    code {{text_c}} NOT NULL,
    name TEXT NOT NULL,
    -- area | metered | fixed | one_off
    basis TEXT NOT NULL,
    -- area: building | interior
    area_of TEXT,
    -- area and metered: yuan per unit in ten-thousandths
    price BIGINT,
    -- metered: area | house
    share_by TEXT,
    -- fixed (a month) and one-off, in fen
    amount BIGINT,
    -- monthly | quarterly | yearly
    cycle TEXT NOT NULL,
    due_day BIGINT NOT NULL,
    -- house kinds, comma-separated codes
    applies_to TEXT NOT NULL,
    UNIQUE (branch_id, code)
);

CREATE TABLE estate_readings (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    item_code TEXT NOT NULL,
    period TEXT NOT NULL,
    -- A house number of the estate, or MASTER for the item's master meter.
    meter TEXT NOT NULL,
    previous BIGINT NOT NULL,
    current BIGINT NOT NULL,
    UNIQUE (branch_id, item_code, period, meter)
);

CREATE TABLE estate_bills (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    bill_no {{text_c}} NOT NULL UNIQUE,
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    period TEXT NOT NULL,
    due TEXT NOT NULL,
    total BIGINT NOT NULL,
    outstanding BIGINT NOT NULL,
    -- A reversal names the bill it cancels; the cancelled bill names it.
    reverses BIGINT REFERENCES estate_bills (id),
    reversed_by BIGINT REFERENCES estate_bills (id),
    created_at TEXT NOT NULL
);
CREATE INDEX estate_bills_house ON estate_bills (house_id, due);
-- The estate's open bills, for arrears and collection.
CREATE INDEX estate_bills_open ON estate_bills (branch_id, outstanding, due);

CREATE TABLE estate_bill_lines (
    id {{pk}},
    bill_id BIGINT NOT NULL REFERENCES estate_bills (id),
    item_code TEXT NOT NULL,
    -- area | metered | public_share | fixed | one_off
    kind TEXT NOT NULL,
    -- hundredths of the unit (m²·months, m³, months)
    quantity BIGINT NOT NULL,
    price BIGINT,
    amount BIGINT NOT NULL
);
CREATE INDEX estate_bill_lines_bill ON estate_bill_lines (bill_id);

-- An item is billed to a house once per period: the run's idempotency.
CREATE TABLE estate_billing_keys (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    period TEXT NOT NULL,
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    item_code TEXT NOT NULL,
    bill_id BIGINT NOT NULL REFERENCES estate_bills (id),
    PRIMARY KEY (branch_id, period, house_id, item_code)
);

CREATE TABLE estate_payments (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    receipt_no {{text_c}} NOT NULL UNIQUE,
    amount BIGINT NOT NULL,
    -- desk | bank | wechat | alipay
    channel TEXT NOT NULL,
    transaction_no TEXT,
    to_prepaid BIGINT NOT NULL,
    paid_at TEXT NOT NULL,
    taken_by BIGINT NOT NULL
);
CREATE INDEX estate_payments_house ON estate_payments (house_id, paid_at);

CREATE TABLE estate_payment_allocations (
    payment_id BIGINT NOT NULL REFERENCES estate_payments (id),
    bill_id BIGINT NOT NULL REFERENCES estate_bills (id),
    amount BIGINT NOT NULL,
    PRIMARY KEY (payment_id, bill_id)
);

CREATE TABLE estate_prepaid (
    house_id BIGINT PRIMARY KEY REFERENCES estate_houses (id),
    balance BIGINT NOT NULL
);
