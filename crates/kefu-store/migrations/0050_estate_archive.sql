-- The property-management pack's archive (issue 21 §1): estates (小区, a
-- branch of kind 'estate'), their buildings (楼栋), and houses (房屋: rooms,
-- shops and parking spaces) with their people — owners, co-owners, tenants
-- and family members, each a customer of the common core with a role per
-- house — the documents on file and the residents' vehicles.

CREATE TABLE estate_estates (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id),
    -- How long visitor records are kept (PIPL's minimum necessary).
    visitor_retention_days BIGINT NOT NULL
);

CREATE TABLE estate_buildings (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- The building as house numbers write it ("3", "A2").
    code {{text_c}} NOT NULL,
    name TEXT NOT NULL,
    floors BIGINT NOT NULL,
    units BIGINT NOT NULL,
    UNIQUE (branch_id, code)
);

CREATE TABLE estate_houses (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- Rooms belong to a building; parking spaces and shops to none.
    building_id BIGINT REFERENCES estate_buildings (id),
    -- The canonical number ("3-2-1502", "P-B1-023", "S-105").
    number {{text_c}} NOT NULL,
    -- The number's natural order as text (building 3 before 12).
    sort_key {{text_c}} NOT NULL,
    unit BIGINT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Areas in hundredths of a square metre.
    building_area BIGINT NOT NULL,
    interior_area BIGINT NOT NULL,
    -- The first day fees run (handover or the service contract's start);
    -- none while nobody is billed (an unsold house the developer keeps).
    billed_from TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (branch_id, number)
);
-- A building's list in natural order.
CREATE INDEX estate_houses_building ON estate_houses (building_id, sort_key);

CREATE TABLE estate_residents (
    id {{pk}},
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- owner | co_owner | tenant | family
    role TEXT NOT NULL,
    moved_in TEXT,
    moved_out TEXT,
    keys_handed_on TEXT,
    -- 不动产权证号: shown masked to roles without personal-data access.
    certificate_no TEXT,
    emergency_name TEXT,
    emergency_phone TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX estate_residents_house ON estate_residents (house_id);
CREATE INDEX estate_residents_customer ON estate_residents (customer_id);

-- Papers on file per house: service contract, handover form, decoration permit.
CREATE TABLE estate_documents (
    id {{pk}},
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    kind TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX estate_documents_house ON estate_documents (house_id, kind);

CREATE TABLE estate_vehicles (
    id {{pk}},
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    plate {{text_c}} NOT NULL,
    -- The parking space (a house of kind parking_space) it stands on.
    space_id BIGINT REFERENCES estate_houses (id),
    created_at TEXT NOT NULL
);
CREATE INDEX estate_vehicles_house ON estate_vehicles (house_id);
CREATE INDEX estate_vehicles_customer ON estate_vehicles (customer_id);
