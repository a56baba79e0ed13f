-- The power pack's station and generation meters (issue 20 §1, §5): the
-- meters at which a supply station takes energy in from the grid (关口表,
-- its 供电量) and the meters of the small hydro stations feeding into a
-- supply station's network (上网电量, settled at the hydro's purchase
-- price). Each is read once a month; a month's kWh are the register's
-- advance since the month before (or since the opening reading) times the
-- meter's multiplier.

CREATE TABLE power_supply_meters (
    id {{pk}},
    meter_no {{text_c}} NOT NULL UNIQUE,
    -- intake | generation
    kind TEXT NOT NULL,
    -- The supply station whose network the energy enters: its indicators
    -- count it, and its staff read it.
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- A generation meter's hydro station (a branch of kind station without
    -- an account prefix); none for an intake meter.
    site_branch_id BIGINT REFERENCES branches (id),
    name TEXT NOT NULL,
    multiplier BIGINT NOT NULL,
    -- The register when the meter was registered, in hundredths of a kWh.
    opening_reading BIGINT NOT NULL,
    -- A hydro's purchase price, ten-thousandths of a yuan a kWh.
    price BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX power_supply_meters_branch ON power_supply_meters (branch_id, kind);

CREATE TABLE power_supply_readings (
    meter_id BIGINT NOT NULL REFERENCES power_supply_meters (id),
    -- YYYY-MM
    month TEXT NOT NULL,
    read_on TEXT NOT NULL,
    -- The register in hundredths of a kWh.
    reading BIGINT NOT NULL,
    -- Whole kWh: the advance times the multiplier, rounded half up.
    kwh BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (meter_id, month)
);
CREATE INDEX power_supply_readings_month ON power_supply_readings (month, meter_id);
