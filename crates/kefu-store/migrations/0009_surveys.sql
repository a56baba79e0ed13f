-- Surveys: questionnaires with their questions, the invitations sent to
-- customers (a link with a signed, single-use token, or a phone survey an
-- agent fills in), and the answers. The key that signs the links is made on
-- first use and kept in app_secrets.

CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE surveys (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE survey_questions (
    id {{pk}},
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    position BIGINT NOT NULL,
    -- single, multiple, scale5, scale10, text
    kind TEXT NOT NULL,
    prompt TEXT NOT NULL,
    -- the choices of single and multiple, as a JSON array of text
    options TEXT NOT NULL DEFAULT '[]',
    required BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX survey_questions_survey ON survey_questions (survey_id, position);

CREATE TABLE survey_invitations (
    id {{pk}},
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- sms, email or phone
    channel TEXT NOT NULL,
    invited_at TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    answered_at TEXT,
    -- the complaint a low score opened
    complaint_id BIGINT REFERENCES complaints (id)
);
CREATE INDEX survey_invitations_survey ON survey_invitations (survey_id, branch_id);
CREATE INDEX survey_invitations_customer ON survey_invitations (customer_id);

CREATE TABLE survey_answers (
    id {{pk}},
    invitation_id BIGINT NOT NULL REFERENCES survey_invitations (id),
    question_id BIGINT NOT NULL REFERENCES survey_questions (id),
    -- the score of a scale; the chosen option's index for single
    number BIGINT,
    -- the chosen options of multiple as a JSON array of indexes, or the text
    text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX survey_answers_invitation ON survey_answers (invitation_id);
CREATE INDEX survey_answers_question ON survey_answers (question_id);
