-- Visitors at an estate's front desk (issue 21 §2): the minimum PIPL's
-- minimum-necessary rule allows — name, mobile, the house visited, the
-- times in and out, a vehicle plate, the host's confirmation. No face data,
-- no ID photo, no ID number. Deleted after the estate's retention
-- (estate_estates.visitor_retention_days) by the hourly job, each deletion
-- audited.

CREATE TABLE estate_visitors (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    name TEXT NOT NULL,
    mobile TEXT NOT NULL,
    plate TEXT,
    -- 1 when the host confirmed the visit (by phone or intercom).
    host_confirmed BIGINT NOT NULL,
    arrived_at TEXT NOT NULL,
    left_at TEXT,
    registered_by BIGINT NOT NULL
);
-- The desk's day list and the purge, per estate in time order.
CREATE INDEX estate_visitors_arrived ON estate_visitors (branch_id, arrived_at);
