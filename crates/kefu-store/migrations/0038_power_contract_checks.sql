-- The inspectors' checks of a supply contract's performance (issue 19 §4,
-- 用电检查 against 供用电合同): each term checked on an inspection visit —
-- the capacity, the supply mode, the metering point, the liability
-- boundary — kept or broken and what was found, tied to the contract in
-- force and to the visit's record; a broken term may open a case.
CREATE TABLE power_contract_checks (
    id {{pk}},
    contract_id BIGINT NOT NULL REFERENCES power_contracts (id),
    record_id BIGINT NOT NULL REFERENCES power_inspection_records (id),
    -- capacity | supply_mode | metering_point | liability_boundary
    term TEXT NOT NULL,
    -- kept | broken
    outcome TEXT NOT NULL,
    found TEXT NOT NULL,
    case_id BIGINT REFERENCES power_cases (id),
    created_at TEXT NOT NULL
);
CREATE INDEX power_contract_checks_contract ON power_contract_checks (contract_id, id);
CREATE INDEX power_contract_checks_record ON power_contract_checks (record_id);
