-- The outreach engine: playbooks as edited by an administrator, the tasks the
-- daily run creates (one per playbook step, subject and anchor — unique, so a
-- run repeated or run on two servers creates each task once), the runs
-- themselves, and the follow-up items a reported problem opens.

-- A vehicle's next service, kept current as visits and readings arrive so
-- the daily run finds the vehicles due on a day by index.
ALTER TABLE vehicles ADD COLUMN next_service_kind TEXT;
ALTER TABLE vehicles ADD COLUMN next_service_due TEXT;
-- and its latest workshop visit, for lapsed customers and "the customer came"
ALTER TABLE vehicles ADD COLUMN last_visit_date TEXT;
CREATE INDEX vehicles_last_visit ON vehicles (last_visit_date);
CREATE INDEX vehicles_next_service ON vehicles (next_service_due);
CREATE INDEX vehicles_purchase ON vehicles (purchase_date);
CREATE INDEX vehicles_insurance ON vehicles (insurance_expiry);
CREATE INDEX service_visits_date ON service_visits (visit_date);
-- Birthdays are found by month and day.
CREATE INDEX customers_birthday_md ON customers (substr(birthday, 6, 5));

CREATE TABLE playbooks (
    code TEXT PRIMARY KEY,
    -- the playbook as TOML, as the administrator saved it
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE outreach_tasks (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- the asset the touch is about ('' and 0 when it is about the customer)
    asset_kind TEXT NOT NULL DEFAULT '',
    asset_id BIGINT NOT NULL DEFAULT 0,
    playbook TEXT NOT NULL,
    step BIGINT NOT NULL,
    anchor_date TEXT NOT NULL,
    -- the business date the touch is for
    due_date TEXT NOT NULL,
    -- the channel it goes out on, and the one the playbook asked for
    channel TEXT NOT NULL,
    planned_channel TEXT NOT NULL,
    priority BIGINT NOT NULL,
    -- pending, claimed, sent, printed, done, failed, merged, skipped
    status TEXT NOT NULL,
    -- why a touch was skipped, or what it carries when others merged into it
    reason TEXT NOT NULL DEFAULT '',
    merged_into BIGINT REFERENCES outreach_tasks (id),
    -- the rendered message or call script, and the values it was filled
    -- with (an SMS provider sends its approved template with these)
    message TEXT NOT NULL DEFAULT '',
    vars TEXT NOT NULL DEFAULT '{}',
    claimed_by BIGINT REFERENCES users (id),
    claimed_at TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- when a call that was not answered is tried again
    retry_on TEXT,
    outcome TEXT,
    notes TEXT NOT NULL DEFAULT '',
    provider_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (playbook, step, customer_id, asset_kind, asset_id, anchor_date)
);
CREATE INDEX outreach_tasks_queue ON outreach_tasks (channel, status, due_date);
CREATE INDEX outreach_tasks_customer ON outreach_tasks (customer_id, due_date);
CREATE INDEX outreach_tasks_due ON outreach_tasks (due_date, branch_id);

CREATE TABLE outreach_runs (
    id {{pk}},
    run_date TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    created BIGINT NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}'
);

-- A problem a customer reported on a follow-up call, for the supervisor.
CREATE TABLE followups (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    task_id BIGINT NOT NULL REFERENCES outreach_tasks (id),
    description TEXT NOT NULL,
    -- open, closed
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX followups_branch ON followups (branch_id, status);
