-- Large users and time of use in the billing run (issue 20 §1, §3).
--
-- A reading of a time-of-use meter carries its peak, flat and valley
-- registers (hundredths of a kWh) and the kWh each bills; a large user's
-- reading its reactive register (hundredths of a kvarh) with the kvarh it
-- stands for, the month's maximum demand (whole kW, × the multiplier) and a
-- power factor read off the meter (hundredths) when the meter shows one.
ALTER TABLE power_readings ADD COLUMN peak BIGINT;
ALTER TABLE power_readings ADD COLUMN flat BIGINT;
ALTER TABLE power_readings ADD COLUMN valley BIGINT;
ALTER TABLE power_readings ADD COLUMN peak_kwh BIGINT;
ALTER TABLE power_readings ADD COLUMN flat_kwh BIGINT;
ALTER TABLE power_readings ADD COLUMN valley_kwh BIGINT;
ALTER TABLE power_readings ADD COLUMN reactive BIGINT;
ALTER TABLE power_readings ADD COLUMN kvarh BIGINT;
ALTER TABLE power_readings ADD COLUMN demand_kw BIGINT;
ALTER TABLE power_readings ADD COLUMN power_factor BIGINT;

-- The two-part terms of a large user's supply contract: what the basic
-- charge (基本电费) is counted on — the contracted kVA or the month's
-- maximum demand — and the power factor standard (力率考核标准, hundredths:
-- 90, 85 or 80) its adjustment is judged against. No row, or a NULL: no
-- basic charge, no adjustment.
CREATE TABLE power_billing_terms (
    account_id BIGINT PRIMARY KEY REFERENCES power_accounts (id),
    -- capacity | demand
    basic_by TEXT,
    pf_standard BIGINT,
    updated_at TEXT NOT NULL
);

-- A bill line's label: for a basic line what it is counted on (capacity or
-- demand), for a surcharge its name, for the power factor adjustment the
-- month's factor and the standard ("0.85/0.90", its percentage in hundredths
-- in `price`).
ALTER TABLE power_bill_lines ADD COLUMN label TEXT;
