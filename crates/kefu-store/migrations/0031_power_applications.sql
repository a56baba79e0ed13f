-- New connections and changes (业扩报装, issue 19 §2): applications, the steps
-- done on them with their documents, the capacity each change set from its
-- connection day, and the administrator's edits of the working-day calendar
-- (the shipped years come from files; a row here overrides one day).

CREATE TABLE power_applications (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- The account applied for (新装: created with the application, status
    -- applying) or changed.
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    -- new, increase, decrease, pause, transfer, close
    kind TEXT NOT NULL,
    -- residential, low_voltage, hv_single, hv_dual: sets the steps and limits
    supply TEXT NOT NULL,
    usage_class TEXT NOT NULL,
    voltage TEXT NOT NULL,
    capacity_kva BIGINT NOT NULL,
    -- The step last done and the day it was done; the next step and its
    -- deadline (none once connected).
    last_step TEXT NOT NULL,
    last_done_on TEXT NOT NULL,
    next_step TEXT,
    next_due TEXT,
    received_on TEXT NOT NULL,
    connected_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX power_applications_branch ON power_applications (branch_id, next_due);
CREATE INDEX power_applications_customer ON power_applications (customer_id);

CREATE TABLE power_application_steps (
    id {{pk}},
    application_id BIGINT NOT NULL REFERENCES power_applications (id),
    step TEXT NOT NULL,
    done_on TEXT NOT NULL,
    -- The deadline it had (none for acceptance).
    due_on TEXT,
    done_at TEXT NOT NULL,
    done_by TEXT NOT NULL,
    notes TEXT NOT NULL,
    -- 装表接电: the meter installed and its opening reading (hundredths of a kWh).
    meter_id BIGINT REFERENCES power_meters (id),
    opening_reading BIGINT
);
CREATE UNIQUE INDEX power_application_steps_once ON power_application_steps (application_id, step);

CREATE TABLE power_application_documents (
    id {{pk}},
    application_id BIGINT NOT NULL REFERENCES power_applications (id),
    step TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    data {{blob}} NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX power_application_documents_app ON power_application_documents (application_id);

-- The contracted capacity of an account from a day on, as each capacity
-- change set it at its connection.
CREATE TABLE power_capacity_changes (
    id {{pk}},
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    application_id BIGINT NOT NULL REFERENCES power_applications (id),
    effective_from TEXT NOT NULL,
    capacity_before BIGINT NOT NULL,
    capacity_kva BIGINT NOT NULL
);
CREATE INDEX power_capacity_changes_account ON power_capacity_changes (account_id, effective_from);

-- One day of the working-day calendar as the administrator set it:
-- holiday (off), workday (worked, a 调休 day) or normal (as the weekday says).
CREATE TABLE power_calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
