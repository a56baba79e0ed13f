-- Planned outages for large users (停电审批, issue 19 §5): a request names
-- the feeder or transformer, the accounts it cuts, when and why; a manager
-- approves or refuses it; once approved the outreach engine tells the
-- accounts' holders at the playbooks' lead times.

CREATE TABLE power_outages (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- feeder or transformer, and its name or number
    equipment_kind TEXT NOT NULL,
    equipment TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    -- The business date the outage starts on: the notices' anchor.
    start_day TEXT NOT NULL,
    -- From and until as the notice says them, in the company's zone.
    hours TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- requested, approved or refused
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT NOT NULL
);
CREATE INDEX power_outages_day ON power_outages (status, start_day);
CREATE INDEX power_outages_branch ON power_outages (branch_id, start_day);

CREATE TABLE power_outage_accounts (
    outage_id BIGINT NOT NULL REFERENCES power_outages (id),
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    PRIMARY KEY (outage_id, account_id)
);
