-- A workshop visit keeps the instant it happened when it has one: the
-- settlement of the repair order it came from. Visits loaded from the
-- history have only their day.
ALTER TABLE service_visits ADD COLUMN visited_at TEXT;

UPDATE service_visits
SET visited_at = (SELECT r.settled_at FROM repair_orders r WHERE r.visit_id = service_visits.id)
WHERE EXISTS (SELECT 1 FROM repair_orders r WHERE r.visit_id = service_visits.id AND r.settled_at IS NOT NULL);

-- Every visit used to enter the timeline at noon UTC of its day (20:00 in
-- Shanghai), above what happened later that day. A settled order's visit
-- moves to its settlement...
UPDATE timeline_events
SET at = (
    SELECT MIN(s.visited_at) FROM service_visits s
    WHERE s.customer_id = timeline_events.customer_id AND s.vehicle_id = timeline_events.asset_id
      AND s.visit_date = substr(timeline_events.at, 1, 10) AND s.summary = timeline_events.summary
)
WHERE kind = 'visit' AND asset_kind = 'vehicle' AND substr(at, 11) = 'T12:00:00.000000Z'
  AND EXISTS (
    SELECT 1 FROM service_visits s
    WHERE s.customer_id = timeline_events.customer_id AND s.vehicle_id = timeline_events.asset_id
      AND s.visit_date = substr(timeline_events.at, 1, 10) AND s.summary = timeline_events.summary
      AND s.visited_at IS NOT NULL
  );

-- ...and the rest are days: the detail says so (its object gains "day"),
-- and the entry moves to midnight UTC of the day, where visits::event
-- places a visit known only by its day.
UPDATE timeline_events
SET detail = '{"day":"' || substr(at, 1, 10) || '",' || substr(detail, 2),
    at = substr(at, 1, 10) || 'T00:00:00.000000Z'
WHERE kind = 'visit' AND substr(at, 11) = 'T12:00:00.000000Z' AND detail LIKE '{"%';
