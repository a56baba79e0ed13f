-- Complaints: intake, the deadlines set at intake (first contact, resolution,
-- and when a missed resolution goes on to the manager), the handling steps,
-- and the re-contact within seven days of resolution without which a
-- complaint cannot close.

CREATE TABLE complaints (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- call, visit, front_desk, survey, followup
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    -- normal, serious, critical
    severity TEXT NOT NULL,
    -- the department responsible: sales, after_sales, workshop, …
    department TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    -- open, in_progress, resolved, confirmed, closed
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    contact_due_at TEXT NOT NULL,
    resolve_due_at TEXT NOT NULL,
    manager_due_at TEXT NOT NULL,
    contacted_at TEXT,
    resolved_at TEXT,
    solution TEXT NOT NULL DEFAULT '',
    recontact_due_at TEXT,
    recontacted_at TEXT,
    -- the re-contact's answer: 1 satisfied, 0 not (the complaint reopens)
    satisfied BIGINT,
    closed_at TEXT,
    -- 0 none, 1 supervisor, 2 manager
    escalation BIGINT NOT NULL DEFAULT 0,
    escalated_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX complaints_status ON complaints (status, branch_id);
CREATE INDEX complaints_customer ON complaints (customer_id);

-- Every step taken on a complaint, in order.
CREATE TABLE complaint_steps (
    id {{pk}},
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    -- contact, investigation, solution, apology, home_visit, note,
    -- resolution, recontact, escalation, close
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL
);
CREATE INDEX complaint_steps_complaint ON complaint_steps (complaint_id, id);
