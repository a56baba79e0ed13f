-- The power-supply pack's archive (issue 19 §1, §3): supply stations with
-- their account-number prefixes, electricity accounts (用电户) of the common
-- customers, and meters at accounts or at small hydro stations. Supply and hydro
-- stations are branches of kind 'station'; a supply station has a prefix here.

CREATE TABLE power_stations (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id),
    -- The digits every account number of the station begins with.
    prefix TEXT NOT NULL UNIQUE
);

CREATE TABLE power_accounts (
    id {{pk}},
    account_no {{text_c}} NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    usage_class TEXT NOT NULL,
    voltage TEXT NOT NULL,
    capacity_kva BIGINT NOT NULL,
    supply_address TEXT NOT NULL,
    tariff_code TEXT NOT NULL,
    permit_no TEXT,
    permit_issued TEXT,
    permit_valid_until TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX power_accounts_customer ON power_accounts (customer_id);
-- A station's list in number order.
CREATE INDEX power_accounts_branch ON power_accounts (branch_id, account_no);

CREATE TABLE power_meters (
    id {{pk}},
    meter_no {{text_c}} NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    register_digits BIGINT NOT NULL,
    -- CT and PT ratios as primary/secondary (a meter without one has 1/1).
    ct_primary BIGINT NOT NULL,
    ct_secondary BIGINT NOT NULL,
    pt_primary BIGINT NOT NULL,
    pt_secondary BIGINT NOT NULL,
    -- Where it is: at an account, or at a small hydro station (a branch).
    account_id BIGINT REFERENCES power_accounts (id),
    site_branch_id BIGINT REFERENCES branches (id),
    installed_on TEXT,
    removed_on TEXT
);
CREATE INDEX power_meters_account ON power_meters (account_id);
CREATE INDEX power_meters_site ON power_meters (site_branch_id);
