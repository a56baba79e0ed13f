-- Case analysis: a closed complaint becomes a case with its root cause, and
-- an improvement plan of actions, each with an owner and a due date, tracked
-- until done (纠正预防措施).

CREATE TABLE complaint_cases (
    id {{pk}},
    complaint_id BIGINT NOT NULL UNIQUE REFERENCES complaints (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    root_cause TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE case_actions (
    id {{pk}},
    case_id BIGINT NOT NULL REFERENCES complaint_cases (id),
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- a business date
    due_on TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX case_actions_case ON case_actions (case_id, id);

-- Members: tiers with their benefits, a member's tier, the members' events
-- (self-drive trips, store events) with sign-up and attendance, and the
-- birthday gifts given (one a year).

CREATE TABLE member_tiers (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rank BIGINT NOT NULL,
    benefits TEXT NOT NULL DEFAULT ''
);
INSERT INTO member_tiers (code, name, rank, benefits) VALUES
    ('silver', '银卡', 1, '保养工时 9.5 折；生日礼品'),
    ('gold', '金卡', 2, '保养工时 9 折；免费洗车 6 次/年；生日礼品；自驾游优先报名'),
    ('platinum', '白金卡', 3, '保养工时 8.5 折；免费洗车 12 次/年；代步车；生日礼品；自驾游优先报名');
-- Points per yuan for each tier (the 'member' rule stays for members
-- without a tier).
INSERT INTO point_rules (tier, points_per_yuan) VALUES ('silver', 2), ('gold', 3), ('platinum', 4);
ALTER TABLE customers ADD COLUMN member_tier TEXT REFERENCES member_tiers (code);

CREATE TABLE member_events (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    title TEXT NOT NULL,
    -- self_drive, store_event
    kind TEXT NOT NULL,
    -- a business date
    starts_on TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE member_event_signups (
    id {{pk}},
    event_id BIGINT NOT NULL REFERENCES member_events (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    signed_up_at TEXT NOT NULL,
    attended BIGINT NOT NULL DEFAULT 0,
    UNIQUE (event_id, customer_id)
);

CREATE TABLE birthday_gifts (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    year BIGINT NOT NULL,
    gift TEXT NOT NULL,
    given_at TEXT NOT NULL,
    given_by TEXT NOT NULL,
    UNIQUE (customer_id, year)
);
