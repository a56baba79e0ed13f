-- The owner archive's completeness (issue 21 §1; 定期或不定期的检查资料的完整性):
-- each estate's count of sold houses and of those lacking an owner's mobile,
-- an owner's ID number, a signed service contract or a handover form, taken
-- once a month by the hourly job, for the monthly report's trend.

CREATE TABLE estate_completeness (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    -- YYYY-MM
    month TEXT NOT NULL,
    houses BIGINT NOT NULL,
    no_mobile BIGINT NOT NULL,
    no_id BIGINT NOT NULL,
    no_contract BIGINT NOT NULL,
    no_handover BIGINT NOT NULL,
    taken_at TEXT NOT NULL,
    PRIMARY KEY (branch_id, month)
);
