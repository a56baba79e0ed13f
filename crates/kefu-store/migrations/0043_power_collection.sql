-- The power pack's collection beyond the payments of 0042 (issue 20 §4):
-- the late charges (电费违约金) a payment settled and the managers' waivers
-- of them, the settings of the late charge and of suspension for arrears,
-- each cashier's day close (日结), and the dunning steps staff record.
-- The late charge is kept apart from power_payment_allocations on purpose:
-- the collection rate counts the energy bills collected, not the charges.

CREATE TABLE power_late_charge_payments (
    payment_id BIGINT NOT NULL REFERENCES power_payments (id),
    bill_id BIGINT NOT NULL REFERENCES power_bills (id),
    -- fen; negative in a reversal
    amount BIGINT NOT NULL,
    PRIMARY KEY (payment_id, bill_id)
);
CREATE INDEX power_late_charge_payments_bill ON power_late_charge_payments (bill_id);

-- A waived bill accrues no more late charge; what was paid stays paid.
CREATE TABLE power_late_charge_waivers (
    bill_id BIGINT PRIMARY KEY REFERENCES power_bills (id),
    -- fen: the charge outstanding when it was waived
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    waived_by BIGINT NOT NULL REFERENCES users (id),
    waived_at TEXT NOT NULL
);

-- One row (id 1) once a manager has changed a figure; the defaults of
-- 《供电营业规则》 article 98 and of the suspension rule until then.
CREATE TABLE power_collection_rules (
    id BIGINT PRIMARY KEY,
    -- daily rates in ten-thousandths of the arrears (1 per mille = 10)
    residential_rate BIGINT NOT NULL,
    current_year_rate BIGINT NOT NULL,
    earlier_years_rate BIGINT NOT NULL,
    grace_days BIGINT NOT NULL,
    -- fen
    minimum_charge BIGINT NOT NULL,
    overdue_days BIGINT NOT NULL,
    notice_days_residential BIGINT NOT NULL,
    notice_days_other BIGINT NOT NULL
);

CREATE TABLE power_day_closes (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    cashier_id BIGINT NOT NULL REFERENCES users (id),
    business_day TEXT NOT NULL,
    payments BIGINT NOT NULL,
    -- fen: all the day's payments, net of its reversals
    total BIGINT NOT NULL,
    reversals BIGINT NOT NULL,
    -- fen: the counter's cash the day's records expect, and what was counted
    cash_expected BIGINT NOT NULL,
    cash_counted BIGINT NOT NULL,
    note TEXT NOT NULL,
    closed_at TEXT NOT NULL
);
CREATE UNIQUE INDEX power_day_closes_cashier ON power_day_closes (cashier_id, business_day);
CREATE INDEX power_day_closes_day ON power_day_closes (branch_id, business_day);

-- Reminders staff record: sms | call | notice (催费通知书 served) | suspension.
CREATE TABLE power_dunning_steps (
    id {{pk}},
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    step TEXT NOT NULL,
    done_on TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX power_dunning_steps_account ON power_dunning_steps (account_id, done_on);
