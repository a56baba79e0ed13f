-- The power pack's indicator targets and the monthly analysis meeting
-- (issue 20 §5): the targets the company sets each supply station (线损率 at
-- most, 电费回收率 at least, 综合平均电价 at least), and the minutes of the
-- month's meeting (线损、电费回收、综合平均电价完成情况分析会) with its actions,
-- each with an owner and a due date, followed until done as a complaint's
-- improvement plan is.

CREATE TABLE power_indicator_targets (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id),
    -- hundredths of a percent
    line_loss_at_most BIGINT,
    collection_at_least BIGINT,
    -- ten-thousandths of a yuan a kWh
    average_price_at_least BIGINT,
    updated_at TEXT NOT NULL
);

CREATE TABLE power_indicator_meetings (
    id {{pk}},
    -- The branch that held it (the centre or the company).
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- The month its figures are of, YYYY-MM.
    month TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
-- One meeting a branch and month.
CREATE UNIQUE INDEX power_indicator_meetings_month ON power_indicator_meetings (branch_id, month);

CREATE TABLE power_indicator_actions (
    id {{pk}},
    meeting_id BIGINT NOT NULL REFERENCES power_indicator_meetings (id),
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- a business date
    due_on TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX power_indicator_actions_meeting ON power_indicator_actions (meeting_id, id);
-- The open actions past their date, for the today page.
CREATE INDEX power_indicator_actions_due ON power_indicator_actions (due_on) WHERE done_at IS NULL;
