-- The power pack's meter archive (issue 19 §3, 计量): each meter's asset
-- record beside its row in power_meters (a meter in stock is a row with no
-- account and no site), its history of moves with their readings, the
-- monthly rotation and field-test work orders, the centre's standard meters
-- and test instruments, and the periods of the periodic work.

CREATE TABLE power_meter_assets (
    meter_id BIGINT PRIMARY KEY REFERENCES power_meters (id),
    -- The station that holds the meter (in stock) or where it stands.
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    asset_no {{text_c}} NOT NULL UNIQUE,
    accuracy_class TEXT NOT NULL,
    -- As the nameplate writes it: 5(60)A, 1.5(6)A.
    rated_current TEXT NOT NULL,
    maker TEXT NOT NULL,
    batch TEXT NOT NULL,
    verified_on TEXT,
    -- passed | failed
    verification TEXT,
    seals TEXT NOT NULL,
    -- in_stock | installed | removed | scrapped
    state TEXT NOT NULL,
    -- The metering point's class (I, II, III) where it is high-voltage
    -- metering with scheduled field tests.
    point_class TEXT,
    last_field_test TEXT,
    -- Readings in hundredths of a kWh.
    install_reading BIGINT,
    removal_reading BIGINT
);
CREATE INDEX power_meter_assets_branch ON power_meter_assets (branch_id, state);

CREATE TABLE power_meter_moves (
    id {{pk}},
    meter_id BIGINT NOT NULL REFERENCES power_meters (id),
    on_day TEXT NOT NULL,
    -- accepted | installed | removed | scrapped | field_test
    action TEXT NOT NULL,
    account_id BIGINT REFERENCES power_accounts (id),
    reading BIGINT,
    seals TEXT,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX power_meter_moves_meter ON power_meter_moves (meter_id, id);

CREATE TABLE power_meter_work_orders (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- The plan's month, YYYY-MM.
    month TEXT NOT NULL,
    -- rotation | field_test
    kind TEXT NOT NULL,
    meter_id BIGINT NOT NULL REFERENCES power_meters (id),
    due_on TEXT NOT NULL,
    -- open | done
    status TEXT NOT NULL,
    done_on TEXT,
    old_reading BIGINT,
    new_meter_id BIGINT REFERENCES power_meters (id),
    seals TEXT,
    result TEXT,
    UNIQUE (month, kind, meter_id)
);
CREATE INDEX power_meter_work_orders_branch ON power_meter_work_orders (branch_id, month);

CREATE TABLE power_instruments (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    name TEXT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    verified_on TEXT NOT NULL
);

-- The periods in months (one row; the rules' defaults until edited).
CREATE TABLE power_meter_rules (
    id BIGINT PRIMARY KEY,
    field_test_i BIGINT NOT NULL,
    field_test_ii BIGINT NOT NULL,
    field_test_iii BIGINT NOT NULL,
    rotation_single_electronic BIGINT NOT NULL,
    rotation_three_electronic BIGINT NOT NULL,
    rotation_single_mechanical BIGINT NOT NULL,
    rotation_three_mechanical BIGINT NOT NULL,
    instruments BIGINT NOT NULL
);
