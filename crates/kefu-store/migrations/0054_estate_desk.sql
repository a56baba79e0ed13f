-- The front desk's register (issue 21 §2): every call and visit — who,
-- which house, what they want, the department it is routed to and the
-- result — listed and printed by the day.

CREATE TABLE estate_desk_entries (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- call | visit
    kind TEXT NOT NULL,
    who TEXT NOT NULL,
    house_id BIGINT REFERENCES estate_houses (id),
    request TEXT NOT NULL,
    -- engineering | security | cleaning | greening | finance | customer_service
    department TEXT NOT NULL,
    result TEXT NOT NULL,
    at TEXT NOT NULL,
    registered_by BIGINT NOT NULL
);
CREATE INDEX estate_desk_entries_at ON estate_desk_entries (branch_id, at);
