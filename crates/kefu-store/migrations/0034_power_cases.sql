-- The power pack's inspection work (issue 19 §4, 用电监察): violation and
-- theft cases with their evidence and amounts, the settings the amounts are
-- computed with, inspection plans per station and their records, and
-- suspensions of supply where safety is at risk.

-- The parameters of the amounts (one row; the rules' defaults until a
-- manager edits them): penalty multiple, the unknown duration's days and
-- hours a day, the escalation amount, the charge per kVA of an
-- unauthorised capacity increase.
CREATE TABLE power_case_rules (
    id BIGINT PRIMARY KEY,
    penalty_multiple BIGINT NOT NULL,
    unknown_days BIGINT NOT NULL,
    lighting_hours BIGINT NOT NULL,
    power_hours BIGINT NOT NULL,
    escalate_above_fen BIGINT NOT NULL,
    capacity_charge_fen BIGINT NOT NULL
);

CREATE TABLE power_cases (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    -- unauthorised_increase | over_capacity | class_change | theft_bypass | theft_tamper | other
    kind TEXT NOT NULL,
    -- inspection | report
    source TEXT NOT NULL,
    found_on TEXT NOT NULL,
    description TEXT NOT NULL,
    seal_numbers TEXT NOT NULL,
    -- What the amounts were computed from: the theft's (capacity in watts or
    -- the rated current, hours when known, price in ten-thousandths of a
    -- yuan) or the kVA added without leave.
    user_class TEXT,
    capacity_w BIGINT,
    rated_current_a BIGINT,
    voltage_v BIGINT,
    phases BIGINT,
    hours BIGINT,
    price_units BIGINT,
    added_kva BIGINT,
    kwh BIGINT NOT NULL,
    back_charge_fen BIGINT NOT NULL,
    penalty_fen BIGINT NOT NULL,
    total_fen BIGINT NOT NULL,
    -- Set once the total went above the escalation amount: reported to the
    -- leaders, and only a manager closes the case.
    escalated_at TEXT,
    -- open | closed
    status TEXT NOT NULL,
    closed_at TEXT,
    closed_by BIGINT REFERENCES users (id),
    close_note TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX power_cases_branch ON power_cases (branch_id, status, found_on);
CREATE INDEX power_cases_account ON power_cases (account_id);

-- Photos of a case's evidence, bounded in size by the upload.
CREATE TABLE power_case_photos (
    id {{pk}},
    case_id BIGINT NOT NULL REFERENCES power_cases (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data {{blob}} NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX power_case_photos_case ON power_case_photos (case_id);

-- Inspection plans of a station: what to check (a large user's contract
-- performance and capacity, dual supply and self-generation safety), at
-- which account, by when; each visit's record.
CREATE TABLE power_inspection_plans (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    -- contract | capacity | dual_supply | self_generation
    subject TEXT NOT NULL,
    due_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX power_inspection_plans_branch ON power_inspection_plans (branch_id, due_on);

CREATE TABLE power_inspection_records (
    id {{pk}},
    plan_id BIGINT NOT NULL REFERENCES power_inspection_plans (id),
    inspected_on TEXT NOT NULL,
    inspector_id BIGINT REFERENCES users (id),
    -- ok | defect | violation
    result TEXT NOT NULL,
    findings TEXT NOT NULL,
    case_id BIGINT REFERENCES power_cases (id),
    created_at TEXT NOT NULL
);
CREATE INDEX power_inspection_records_plan ON power_inspection_records (plan_id);

-- Supply suspended where safety is at risk (暂停供电): the reason, the
-- manager who approved it, the notice given, and the restoration.
CREATE TABLE power_suspensions (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    reason TEXT NOT NULL,
    notice TEXT NOT NULL,
    noticed_on TEXT NOT NULL,
    suspend_on TEXT NOT NULL,
    approved_by BIGINT REFERENCES users (id),
    approved_at TEXT,
    restored_on TEXT,
    restore_note TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX power_suspensions_branch ON power_suspensions (branch_id, suspend_on);
