-- The customer archive (common core): customers, their contact people, tags,
-- contact preferences, the timeline, and the search index; and the auto
-- pack's vehicles, mileage readings and workshop visits.
-- Dates are civil dates in the business zone, 'YYYY-MM-DD'; money is fen.

CREATE TABLE customers (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_no TEXT NOT NULL UNIQUE,
    -- person, company
    kind TEXT NOT NULL DEFAULT 'person',
    name TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT '',
    -- the customer's own numbers; other people's are in contacts
    mobile TEXT,
    landline TEXT NOT NULL DEFAULT '',
    birthday TEXT,
    -- GB 11643 resident ID number; shown masked to roles without personal-data access
    id_number TEXT,
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    is_member BIGINT NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    -- contact preferences: the channels the customer accepts, "do not call",
    -- the time of day they prefer, and hours not to be disturbed (HH:MM)
    allow_letter BIGINT NOT NULL DEFAULT 1,
    allow_sms BIGINT NOT NULL DEFAULT 1,
    allow_email BIGINT NOT NULL DEFAULT 1,
    allow_phone BIGINT NOT NULL DEFAULT 1,
    do_not_call BIGINT NOT NULL DEFAULT 0,
    preferred_time TEXT NOT NULL DEFAULT '',
    quiet_start TEXT NOT NULL DEFAULT '',
    quiet_end TEXT NOT NULL DEFAULT '',
    -- set when this record was merged into another; it then stays only as history
    merged_into BIGINT REFERENCES customers (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX customers_branch ON customers (branch_id, id);

-- The people to speak to about a customer: the owner, the driver, a spouse…
CREATE TABLE contacts (
    id {{pk}},
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    name TEXT NOT NULL,
    -- owner, driver, spouse, family, colleague, other
    relation TEXT NOT NULL,
    mobile TEXT,
    landline TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    is_primary BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE INDEX contacts_mobile ON contacts (mobile);

CREATE TABLE customer_tags (
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);

-- Everything that happened with a customer, newest first on their page:
-- calls, SMS, letters, email, visits, repair orders, complaints, survey
-- answers and changes to the archive.
CREATE TABLE timeline_events (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- the asset the event concerns, if any: ('vehicle', 17)
    asset_kind TEXT,
    asset_id BIGINT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- free text as written ("常规保养：更换机油、机滤")
    summary TEXT NOT NULL,
    -- the structured part the page renders per kind, as JSON
    detail TEXT NOT NULL DEFAULT '{}',
    actor TEXT NOT NULL DEFAULT ''
);
CREATE INDEX timeline_customer ON timeline_events (customer_id, at);
CREATE INDEX timeline_asset ON timeline_events (asset_kind, asset_id, at);

-- Search keys: each row says "this key leads to this customer". Keys start
-- with a letter for their kind (n name, p pinyin, i initials, m mobile, t last
-- four digits, c customer number, l plate, v VIN tail) and are found by
-- exact match or prefix range. `source` names what contributed the key
-- ('customer', 'contact:12', 'vehicle:7') so it can be replaced alone.
CREATE TABLE search_keys (
    key {{text_c}} NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    source TEXT NOT NULL,
    PRIMARY KEY (key, customer_id, source)
){{without_rowid}};
CREATE INDEX search_keys_customer ON search_keys (customer_id, source);

CREATE TABLE vehicles (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- the contact who usually drives it, when not the owner
    driver_contact_id BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    vin TEXT NOT NULL UNIQUE,
    plate TEXT,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    variant TEXT NOT NULL DEFAULT '',
    colour TEXT NOT NULL DEFAULT '',
    purchase_date TEXT,
    selling_branch_id BIGINT REFERENCES branches (id),
    mileage_km BIGINT NOT NULL DEFAULT 0,
    first_maintenance_date TEXT,
    insurance_expiry TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX vehicles_customer ON vehicles (customer_id);
CREATE INDEX vehicles_branch ON vehicles (branch_id, purchase_date);

CREATE TABLE mileage_readings (
    id {{pk}},
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    reading_date TEXT NOT NULL,
    mileage_km BIGINT NOT NULL,
    -- visit, call, import, customer
    source TEXT NOT NULL
);
CREATE INDEX mileage_readings_vehicle ON mileage_readings (vehicle_id, reading_date);

CREATE TABLE service_visits (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    visit_date TEXT NOT NULL,
    -- first_maintenance, maintenance, repair, warranty, accident
    kind TEXT NOT NULL,
    mileage_km BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    advisor TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX service_visits_vehicle ON service_visits (vehicle_id, visit_date);
CREATE INDEX service_visits_customer ON service_visits (customer_id, visit_date);
CREATE INDEX service_visits_branch_date ON service_visits (branch_id, visit_date);
