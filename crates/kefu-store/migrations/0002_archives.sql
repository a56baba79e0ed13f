-- The customer archive (common core) and the auto pack's vehicles and
-- workshop visits. Dates are civil dates in the business zone, 'YYYY-MM-DD';
-- money is integer fen.

CREATE TABLE customers (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_no TEXT NOT NULL UNIQUE,
    -- person, company
    kind TEXT NOT NULL DEFAULT 'person',
    name TEXT NOT NULL,
    -- full pinyin without tones or spaces, and the initials, for search
    name_pinyin TEXT NOT NULL,
    name_initials TEXT NOT NULL,
    mobile TEXT,
    gender TEXT NOT NULL DEFAULT '',
    birthday TEXT,
    address TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    is_member BIGINT NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX customers_branch ON customers (branch_id, id);
CREATE INDEX customers_mobile ON customers (mobile);
CREATE INDEX customers_pinyin ON customers (name_pinyin);
CREATE INDEX customers_initials ON customers (name_initials);

CREATE TABLE vehicles (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    vin TEXT NOT NULL UNIQUE,
    plate TEXT,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    colour TEXT NOT NULL DEFAULT '',
    purchase_date TEXT,
    mileage_km BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX vehicles_customer ON vehicles (customer_id);
CREATE INDEX vehicles_branch ON vehicles (branch_id);
CREATE INDEX vehicles_plate ON vehicles (plate);

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
