-- Repairs (报修, issue 21 §3) as work orders: reported at the desk, by
-- phone or through the owner's own link; in a public area or in a house
-- (paid); a category whose deadlines (arrival, completion) escalate like
-- complaints'; dispatched to a technician, arrived, completed, confirmed
-- by the owner; the 回访 call the next day is an outreach task about the
-- repair (asset kind estate_repair), its outcome on that task.

-- An estate's own deadlines for a category, over the defaults in code.
CREATE TABLE estate_repair_deadlines (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    category TEXT NOT NULL,
    arrive_minutes BIGINT NOT NULL,
    complete_minutes BIGINT NOT NULL,
    PRIMARY KEY (branch_id, category)
);

CREATE TABLE estate_repairs (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- public | in_house
    place TEXT NOT NULL,
    -- the house repaired (in_house) or the reporter's house (public, optional)
    house_id BIGINT REFERENCES estate_houses (id),
    -- the resident the 回访 call goes to, when there is one
    customer_id BIGINT REFERENCES customers (id),
    location TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    -- desk | call | owner_link
    source TEXT NOT NULL,
    reporter TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    -- reported | dispatched | arrived | completed | confirmed
    status TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    arrive_due_at TEXT NOT NULL,
    complete_due_at TEXT NOT NULL,
    technician TEXT NOT NULL DEFAULT '',
    dispatched_at TEXT,
    arrived_at TEXT,
    completed_at TEXT,
    -- the business day of completion: the 回访 call's anchor
    completed_on TEXT,
    work_done TEXT NOT NULL DEFAULT '',
    -- in fen: materials plus labour, in-house repairs only
    charge BIGINT NOT NULL DEFAULT 0,
    confirmed_at TEXT,
    -- the owner's confirmation: 1 satisfied, 0 not
    owner_satisfied BIGINT,
    confirm_note TEXT NOT NULL DEFAULT '',
    -- 0 none, 1 supervisor, 2 manager
    escalation BIGINT NOT NULL DEFAULT 0,
    escalated_at TEXT,
    registered_by BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX estate_repairs_status ON estate_repairs (branch_id, status, reported_at);
CREATE INDEX estate_repairs_completed ON estate_repairs (completed_on);
CREATE INDEX estate_repairs_customer ON estate_repairs (customer_id);

-- The materials an in-house repair used, each line in fen.
CREATE TABLE estate_repair_materials (
    id {{pk}},
    repair_id BIGINT NOT NULL REFERENCES estate_repairs (id),
    name TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    amount BIGINT NOT NULL
);
CREATE INDEX estate_repair_materials_repair ON estate_repair_materials (repair_id);

-- Every step of a repair, in order.
CREATE TABLE estate_repair_steps (
    id {{pk}},
    repair_id BIGINT NOT NULL REFERENCES estate_repairs (id),
    -- report, dispatch, arrive, complete, confirm, escalation
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL
);
CREATE INDEX estate_repair_steps_repair ON estate_repair_steps (repair_id, id);

-- A completed in-house repair's charge, waiting for the house's next bill:
-- the billing run picks up the rows with no bill and sets billed_bill_id.
CREATE TABLE estate_repair_charges (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    repair_id BIGINT NOT NULL REFERENCES estate_repairs (id),
    amount BIGINT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    billed_bill_id BIGINT
);
CREATE INDEX estate_repair_charges_pending ON estate_repair_charges (house_id, billed_bill_id);
