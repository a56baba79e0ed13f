-- The power factor adjustment table (力率调整, 《功率因数调整电费办法》;
-- issue 20 §3 "from the standard table (configurable)"): a company's own
-- percentage for each standard (hundredths: 90, 85, 80) and each month's
-- power factor (hundredths, 0 to 100), in hundredths of a percent —
-- positive raises the bill. No rows for a standard: the 办法's table, as
-- kefu builds it (crate kefu-power, billing::PowerFactorTable::standard).
CREATE TABLE power_factor_table (
    standard BIGINT NOT NULL,
    factor BIGINT NOT NULL,
    basis_points BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (standard, factor)
);
