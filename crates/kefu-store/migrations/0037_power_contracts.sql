-- The supply contracts (供用电合同) of non-residential electricity accounts
-- (issue 19 §1): each signing or renewal is a row; an account's contract in
-- force is its latest. The terms the inspectors check performance against:
-- the contracted capacity, the supply mode, the metering point and the
-- boundary of liability between the company's and the customer's plant.

CREATE TABLE power_contracts (
    id {{pk}},
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    contract_no TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    capacity_kva BIGINT NOT NULL,
    supply_mode TEXT NOT NULL,
    metering_point TEXT NOT NULL,
    liability_boundary TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- An account's contracts, the latest first.
CREATE INDEX power_contracts_account ON power_contracts (account_id, id);
-- The renewal anchor and the list of contracts expiring soon.
CREATE INDEX power_contracts_expiry ON power_contracts (valid_until);

-- The permits expiring soon, and their anchor.
CREATE INDEX power_accounts_permit_expiry ON power_accounts (permit_valid_until);
