-- A planned outage approved after its notices' lead day (issue 19 §5): the
-- daily run of that day found nothing approved to tell, so the approval
-- sends the notices at once and records here when, and how many.
ALTER TABLE power_outages ADD COLUMN late_notice_at TEXT;
ALTER TABLE power_outages ADD COLUMN late_notices BIGINT NOT NULL DEFAULT 0;
