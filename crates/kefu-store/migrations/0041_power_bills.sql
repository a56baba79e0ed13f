-- The power pack's bills (issue 20 §3): one an account and month from its
-- confirmed readings, with its lines by tier or register. A bill is never
-- edited: a correction reverses it (a bill of the negated lines pointing to
-- it, `reverses_id`, and the old one marked reversed) and issues a new one.
-- Collection clears the issued bills oldest first by due date.

CREATE TABLE power_bills (
    id {{pk}},
    bill_no {{text_c}} NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    book_id BIGINT REFERENCES power_books (id),
    month TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    tariff_code TEXT NOT NULL,
    kwh BIGINT NOT NULL,
    -- fen
    amount BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    -- issued | reversed | reversal
    status TEXT NOT NULL,
    reverses_id BIGINT REFERENCES power_bills (id),
    reading_id BIGINT REFERENCES power_readings (id),
    created_at TEXT NOT NULL
);
-- A second run for the same month finds the bill there: idempotent.
CREATE UNIQUE INDEX power_bills_issued ON power_bills (account_id, month) WHERE status = 'issued';
CREATE INDEX power_bills_month ON power_bills (branch_id, month);
CREATE INDEX power_bills_due ON power_bills (account_id, due_on);

CREATE TABLE power_bill_lines (
    bill_id BIGINT NOT NULL REFERENCES power_bills (id),
    line_no BIGINT NOT NULL,
    -- flat | tier | register
    kind TEXT NOT NULL,
    tier BIGINT,
    period TEXT,
    effective_from TEXT NOT NULL,
    kwh BIGINT NOT NULL,
    -- ten-thousandths of a yuan a kWh
    price BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (bill_id, line_no)
);
