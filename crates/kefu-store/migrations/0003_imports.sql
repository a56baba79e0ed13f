-- Imports of files from old systems: the uploaded file waits here between
-- the web page's steps (mapping, dry run, import) and is cleared once the
-- import has run; the report stays.

CREATE TABLE import_jobs (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    user_id BIGINT REFERENCES users (id),
    file_name TEXT NOT NULL,
    file_data {{blob}},
    -- the worksheet of a workbook; empty for the first one or a CSV file
    sheet TEXT NOT NULL DEFAULT '',
    -- the file's column headers, JSON (kept when the file is removed)
    headers TEXT NOT NULL DEFAULT '[]',
    -- field → column index, JSON
    mapping TEXT NOT NULL DEFAULT '{}',
    -- dry_run, all_or_nothing, skip_bad_rows: the last run's mode
    mode TEXT NOT NULL DEFAULT 'dry_run',
    -- uploaded, checked, running, done, failed
    status TEXT NOT NULL,
    -- the last run's report, JSON
    report TEXT,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX import_jobs_branch ON import_jobs (branch_id, id);

-- Imports match a row with a stored customer by mobile and name within the
-- branch (and by name alone when neither has a mobile).
CREATE INDEX customers_branch_mobile ON customers (branch_id, mobile, name);
