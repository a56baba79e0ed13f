-- The auto pack's service operations: repair orders (委托书/派工单) through
-- the seven steps, and their lines (the estimate and the additional items
-- found during the repair); appointments and the workshop capacity they
-- book.

CREATE TABLE repair_orders (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- the visit it becomes: first_maintenance, maintenance, repair, warranty, accident
    kind TEXT NOT NULL,
    -- open, approved, in_repair, awaiting_qc, qc_passed, settled
    status TEXT NOT NULL,
    advisor TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    -- reception: the walk-around
    received_at TEXT,
    mileage_km BIGINT,
    -- the fuel gauge in eighths (0 empty … 8 full)
    fuel_eighths BIGINT,
    -- the customer's complaint in their own words, and the first diagnosis
    complaint TEXT NOT NULL DEFAULT '',
    diagnosis TEXT NOT NULL DEFAULT '',
    -- damage found on the walk-around, JSON [{"zone": …, "mark": …}]
    damage TEXT NOT NULL DEFAULT '[]',
    valuables_reminded BIGINT NOT NULL DEFAULT 0,
    -- when the car was promised back (instant)
    promised_at TEXT,
    -- the customer's signature on the estimate
    approved_at TEXT,
    approved_by TEXT NOT NULL DEFAULT '',
    technician TEXT NOT NULL DEFAULT '',
    work_started_at TEXT,
    finished_at TEXT,
    qc_at TEXT,
    qc_by TEXT NOT NULL DEFAULT '',
    qc_notes TEXT NOT NULL DEFAULT '',
    -- failed quality checks, for the first-pass rate
    qc_failures BIGINT NOT NULL DEFAULT 0,
    -- settlement, all in fen; written once when the order is settled
    settled_at TEXT,
    labour_fen BIGINT NOT NULL DEFAULT 0,
    parts_fen BIGINT NOT NULL DEFAULT 0,
    discount_fen BIGINT NOT NULL DEFAULT 0,
    customer_fen BIGINT NOT NULL DEFAULT 0,
    warranty_fen BIGINT NOT NULL DEFAULT 0,
    insurance_fen BIGINT NOT NULL DEFAULT 0,
    points_fen BIGINT NOT NULL DEFAULT 0,
    cash_fen BIGINT NOT NULL DEFAULT 0,
    -- the workshop visit the settled order became
    visit_id BIGINT REFERENCES service_visits (id)
);
CREATE INDEX repair_orders_vehicle ON repair_orders (vehicle_id, opened_at);
CREATE INDEX repair_orders_branch_status ON repair_orders (branch_id, status);

CREATE TABLE repair_order_lines (
    id {{pk}},
    order_id BIGINT NOT NULL REFERENCES repair_orders (id),
    -- estimate (signed with the estimate) or additional (found during the repair)
    origin TEXT NOT NULL,
    -- labour or part
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    part_no TEXT NOT NULL DEFAULT '',
    -- hours or pieces in hundredths (1.5 hours = 150)
    qty_centi BIGINT NOT NULL,
    unit_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- customer, warranty (the manufacturer) or insurance
    payer TEXT NOT NULL,
    -- pending, consented or declined: a line is worked and billed only when
    -- consented (estimate lines by the signature on the estimate)
    consent TEXT NOT NULL,
    consent_by TEXT NOT NULL DEFAULT '',
    -- in_person, phone, sms
    consent_method TEXT NOT NULL DEFAULT '',
    consent_at TEXT,
    -- a declined item is recommended again by this date
    recommend_by TEXT,
    -- the line's share of the order's discount, written at settlement
    discount_fen BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX repair_order_lines_order ON repair_order_lines (order_id);
CREATE INDEX repair_order_lines_recommend ON repair_order_lines (recommend_by);

-- A store's workshop: jobs that may start in one hour slot (bays), the
-- technician minutes a day holds, the bookable hours. No row: the defaults.
CREATE TABLE workshop_capacity (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id),
    bays BIGINT NOT NULL,
    technician_minutes BIGINT NOT NULL,
    open_hour BIGINT NOT NULL,
    close_hour BIGINT NOT NULL
);

-- What is booked per hour slot and per day. A booking raises these with a
-- conditional UPDATE (… WHERE booked < bays), so concurrent bookings can
-- never overbook a slot or a day; a cancellation lowers them.
CREATE TABLE workshop_slots (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    day TEXT NOT NULL,
    hour BIGINT NOT NULL,
    booked BIGINT NOT NULL,
    PRIMARY KEY (branch_id, day, hour)
);
CREATE TABLE workshop_days (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    day TEXT NOT NULL,
    booked_minutes BIGINT NOT NULL,
    PRIMARY KEY (branch_id, day)
);

CREATE TABLE appointments (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    day TEXT NOT NULL,
    hour BIGINT NOT NULL,
    -- first_maintenance, maintenance, repair, warranty, accident
    job TEXT NOT NULL,
    -- technician time reserved for the job
    minutes BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- booked, arrived, no_show, cancelled
    status TEXT NOT NULL,
    -- counter (at the service desk), phone, call (from the call queue)
    source TEXT NOT NULL,
    booked_by TEXT NOT NULL,
    booked_at TEXT NOT NULL,
    -- the business date the booking was made, for the outreach engine's
    -- "booked" stop
    booked_on TEXT NOT NULL,
    repair_order_id BIGINT REFERENCES repair_orders (id)
);
CREATE INDEX appointments_branch_day ON appointments (branch_id, day, hour);
CREATE INDEX appointments_vehicle ON appointments (vehicle_id, booked_on);
CREATE INDEX appointments_day ON appointments (day, status);

-- Insurance policies per vehicle (交强险, 商业险) and their renewal: open
-- while not yet renewed, won when renewed here (renewed_by names the new
-- policy), lost with the reason. The vehicle's insurance_expiry follows the
-- latest expiry, which the renewal playbook is anchored on.
CREATE TABLE insurance_policies (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    insurer TEXT NOT NULL,
    -- compulsory (交强险) or commercial (商业险)
    kind TEXT NOT NULL,
    policy_no TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    premium_fen BIGINT NOT NULL,
    -- open, won, lost
    renewal TEXT NOT NULL DEFAULT 'open',
    renewed_by BIGINT REFERENCES insurance_policies (id),
    lost_reason TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX insurance_policies_vehicle ON insurance_policies (vehicle_id, expiry_date);
CREATE INDEX insurance_policies_expiry ON insurance_policies (branch_id, expiry_date);

-- What a settled order charges to others: the manufacturer under warranty
-- (索赔) and the insurer (理赔), each a claim followed until paid — the
-- receivables the advisor helps collect.
CREATE TABLE service_claims (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    order_id BIGINT NOT NULL REFERENCES repair_orders (id),
    -- warranty or insurance
    payer TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- open, submitted, paid, rejected
    state TEXT NOT NULL,
    -- the claim's number at the manufacturer or the insurer
    reference TEXT NOT NULL DEFAULT '',
    paid_fen BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (order_id, payer)
);
CREATE INDEX service_claims_branch_state ON service_claims (branch_id, payer, state);

-- A store's parts catalogue with its stock, and the parts a booked job
-- needs: checked against the stock not yet promised to other bookings, so
-- shortages show before the car comes.
CREATE TABLE parts (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    part_no TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_fen BIGINT NOT NULL,
    stock BIGINT NOT NULL,
    UNIQUE (branch_id, part_no)
);
CREATE TABLE appointment_parts (
    appointment_id BIGINT NOT NULL REFERENCES appointments (id),
    part_no TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (appointment_id, part_no)
);

-- The customer lounge: who waited and what they were served, and the bar's
-- drinkware registered every day (a second registration replaces the day's).
CREATE TABLE lounge_guests (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    guest TEXT NOT NULL,
    plate TEXT NOT NULL DEFAULT '',
    served TEXT NOT NULL DEFAULT '',
    arrived_at TEXT NOT NULL,
    left_at TEXT,
    recorded_by TEXT NOT NULL
);
CREATE INDEX lounge_guests_branch ON lounge_guests (branch_id, arrived_at);
CREATE TABLE drinkware_counts (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    day TEXT NOT NULL,
    -- cup, glass, mug, saucer, teapot
    item TEXT NOT NULL,
    count BIGINT NOT NULL,
    broken BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (branch_id, day, item)
);
