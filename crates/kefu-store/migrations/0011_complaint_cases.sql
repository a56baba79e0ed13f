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
