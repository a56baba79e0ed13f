-- Notices to owners (以电话或张贴通知等形式通知业主并予以解释, issue 21 §5):
-- a notice (a water or power cut, fees, an event) addressed to a whole
-- estate, some of its buildings or some houses, drafted and then sent; on
-- sending, one delivery per house and channel. The messages of a delivery
-- are outreach tasks (asset kind 'estate_notice_delivery', the delivery's
-- id), sent and recorded by the outreach engine: a delivery's state is
-- read from them.

CREATE TABLE estate_notices (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- water_cut | power_cut | fees | event | other
    kind TEXT NOT NULL,
    -- the business days the notice is about
    effective_from TEXT NOT NULL,
    effective_until TEXT,
    -- estate | buildings | houses
    addressed_to TEXT NOT NULL,
    -- the channels chosen, comma-separated: sms, email, wechat, call
    channels TEXT NOT NULL,
    -- draft | sent
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_by TEXT,
    sent_at TEXT,
    -- the business day it was sent, for the monthly report
    sent_on TEXT
);
CREATE INDEX estate_notices_branch ON estate_notices (branch_id, id);

-- The buildings or houses a notice is addressed to (none for an estate).
CREATE TABLE estate_notice_targets (
    notice_id BIGINT NOT NULL REFERENCES estate_notices (id),
    building_id BIGINT REFERENCES estate_buildings (id),
    house_id BIGINT REFERENCES estate_houses (id)
);
CREATE INDEX estate_notice_targets_notice ON estate_notice_targets (notice_id);

CREATE TABLE estate_notice_deliveries (
    id {{pk}},
    notice_id BIGINT NOT NULL REFERENCES estate_notices (id),
    house_id BIGINT NOT NULL REFERENCES estate_houses (id),
    -- sms | email | wechat | call
    channel TEXT NOT NULL,
    -- why no message went out (nobody of the house can be reached on the
    -- channel, or all opted out); empty when messages were queued
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (notice_id, house_id, channel)
);
CREATE INDEX estate_notice_deliveries_house ON estate_notice_deliveries (house_id);

-- The outreach tasks of a record (a notice's delivery, a repair's 回访).
CREATE INDEX outreach_tasks_asset ON outreach_tasks (asset_kind, asset_id);
