-- The power pack's collection (issue 20 §4): payments and where each went.
-- A payment is never edited: a refund or a mistaken payment is reversed by a
-- payment of the negated amount pointing to it (`reverses_id`), with the
-- negated allocations, and the old one marked reversed. The indicators
-- (§5) read what was collected from the allocations of the month's payments.

CREATE TABLE power_payments (
    id {{pk}},
    receipt_no {{text_c}} NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- fen; negative for a reversal
    amount BIGINT NOT NULL,
    -- counter | bank | agent | prepaid
    channel TEXT NOT NULL,
    -- the bank's or agent's transaction number
    reference TEXT,
    -- fen of the amount that went to the prepaid balance
    to_prepaid BIGINT NOT NULL,
    -- the business day (YYYY-MM-DD, the configured zone) the cashier's day closes on
    business_day TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    taken_by BIGINT NOT NULL REFERENCES users (id),
    -- valid | reversed | reversal
    status TEXT NOT NULL,
    reverses_id BIGINT REFERENCES power_payments (id)
);
CREATE INDEX power_payments_account ON power_payments (account_id, paid_at);
CREATE INDEX power_payments_day ON power_payments (branch_id, business_day);
CREATE INDEX power_payments_cashier ON power_payments (taken_by, business_day);
-- A bank file imported twice does not pay twice.
CREATE UNIQUE INDEX power_payments_reference ON power_payments (channel, reference) WHERE status <> 'reversal';

CREATE TABLE power_payment_allocations (
    payment_id BIGINT NOT NULL REFERENCES power_payments (id),
    bill_id BIGINT NOT NULL REFERENCES power_bills (id),
    -- fen; negative in a reversal
    amount BIGINT NOT NULL,
    PRIMARY KEY (payment_id, bill_id)
);
CREATE INDEX power_payment_allocations_bill ON power_payment_allocations (bill_id);

CREATE TABLE power_prepaid (
    account_id BIGINT PRIMARY KEY REFERENCES power_accounts (id),
    balance BIGINT NOT NULL
);
