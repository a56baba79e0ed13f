-- Property fees, continued (issue 21 §6): a fee item's price changed from
-- a period on and its retirement (the item row keeps what it was first
-- published at; the billing run reads the change in force for its period),
-- one-off charges waiting for the next bill, and a transaction number
-- that a bank or wallet never gives twice.

ALTER TABLE estate_fee_items ADD COLUMN retired_from TEXT;

CREATE TABLE estate_fee_item_prices (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    item_code TEXT NOT NULL,
    -- The first period (YYYY-MM) the price applies to.
    effective TEXT NOT NULL,
    -- area and metered: yuan per unit in ten-thousandths
    price BIGINT,
    -- fixed (a month) and one-off, in fen
    amount BIGINT,
    set_by BIGINT NOT NULL,
    set_at TEXT NOT NULL,
    UNIQUE (branch_id, item_code, effective)
);

-- A one-off charge (a decoration deposit, a late fee) billed once, on the
-- house's next bill: the billing run fills billed_bill_id.
CREATE TABLE estate_one_off_charges (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    item_code TEXT NOT NULL,
    amount BIGINT NOT NULL,
    description TEXT NOT NULL,
    charged_at TEXT NOT NULL,
    charged_by BIGINT NOT NULL,
    billed_bill_id BIGINT REFERENCES estate_bills (id)
);
CREATE INDEX estate_one_off_charges_pending ON estate_one_off_charges (branch_id, billed_bill_id);

-- Desk payments carry no number (NULL, never equal to another).
CREATE UNIQUE INDEX estate_payments_transaction ON estate_payments (channel, transaction_no);

-- A meter replaced within the period: the old meter's last reading and
-- the new one's first (NULL when it was not).
ALTER TABLE estate_readings ADD COLUMN old_final BIGINT;
ALTER TABLE estate_readings ADD COLUMN new_initial BIGINT;
