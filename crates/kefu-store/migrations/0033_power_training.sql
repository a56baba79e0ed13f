-- Training of rural electricians (协助组织农村电工的培训工作, issue 19 §6):
-- sessions a station holds, the station staff who attend, their results
-- and the certificates they earn with their expiry.

CREATE TABLE power_training_sessions (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    trainer TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX power_training_sessions_branch ON power_training_sessions (branch_id, held_on);

CREATE TABLE power_training_attendees (
    id {{pk}},
    session_id BIGINT NOT NULL REFERENCES power_training_sessions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- pass or fail, and the score out of 100 when there was an examination
    result TEXT NOT NULL,
    score BIGINT,
    certificate_no TEXT,
    certificate_expires TEXT
);
CREATE UNIQUE INDEX power_training_attendees_once ON power_training_attendees (session_id, user_id);
CREATE INDEX power_training_certificates ON power_training_attendees (certificate_expires);
