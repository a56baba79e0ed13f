-- Corrective and preventive measures (纠正预防措施) on a complaint (issue
-- 21 §3; the seed's 第五篇, second duty): what was done about the cause and
-- what stops it happening again. A complaint taken in under a category
-- whose pack requires them (the estate pack's) cannot close without both.

ALTER TABLE complaints ADD COLUMN measures_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN corrective TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN preventive TEXT NOT NULL DEFAULT '';
