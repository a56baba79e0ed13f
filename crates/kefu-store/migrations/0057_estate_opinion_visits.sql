-- Opinion visits (定期上门征求业户意见, issue 21 §4): a plan per estate and
-- period (a year by default) with one visit to every occupied or let house,
-- each building's visits assigned to one member of staff; a visit records
-- the owner's opinions, suggestions and satisfaction (1–5).

CREATE TABLE estate_visit_plans (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- the period's first and last days
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    UNIQUE (branch_id, starts_on)
);

CREATE TABLE estate_visit_assignments (
    plan_id BIGINT NOT NULL REFERENCES estate_visit_plans (id),
    building_id BIGINT NOT NULL REFERENCES estate_buildings (id),
    -- none while the estate has no staff to give it to
    user_id BIGINT REFERENCES users (id),
    PRIMARY KEY (plan_id, building_id)
);

CREATE TABLE estate_opinion_visits (
    id {{pk}},
    plan_id BIGINT NOT NULL REFERENCES estate_visit_plans (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    building_id BIGINT NOT NULL REFERENCES estate_buildings (id),
    visited_at TEXT,
    visited_on TEXT,
    visited_by TEXT,
    opinions TEXT NOT NULL DEFAULT '',
    suggestions TEXT NOT NULL DEFAULT '',
    satisfaction BIGINT,
    UNIQUE (plan_id, house_id)
);
CREATE INDEX estate_opinion_visits_done ON estate_opinion_visits (branch_id, visited_on);
