-- The power pack's reading books and readings (issue 20 §1). A reading book
-- (抄表本) groups a station's accounts in the reader's route order, read on
-- the book's day of the month. A reading is one meter's register on one day
-- of a month: real, estimated (估抄), a new meter's installation reading
-- (base) or an old one's removal reading. Its kWh are what it bills after the
-- checks; a held one waits for its confirmation. A corrected reading is a
-- new row, the old one pointing to it.

CREATE TABLE power_books (
    id {{pk}},
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    code {{text_c}} NOT NULL UNIQUE,
    name TEXT NOT NULL,
    reader_id BIGINT REFERENCES users (id),
    reading_day BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX power_books_branch ON power_books (branch_id, code);
CREATE INDEX power_books_reader ON power_books (reader_id);

CREATE TABLE power_book_accounts (
    book_id BIGINT NOT NULL REFERENCES power_books (id),
    account_id BIGINT NOT NULL UNIQUE REFERENCES power_accounts (id),
    route_order BIGINT NOT NULL,
    PRIMARY KEY (book_id, route_order)
);

CREATE TABLE power_readings (
    id {{pk}},
    account_id BIGINT NOT NULL REFERENCES power_accounts (id),
    meter_id BIGINT NOT NULL REFERENCES power_meters (id),
    -- The month it bills, YYYY-MM.
    month TEXT NOT NULL,
    read_on TEXT NOT NULL,
    -- The register in hundredths of a kWh.
    reading BIGINT NOT NULL,
    -- real | estimated | base | removal
    kind TEXT NOT NULL,
    -- ok | held | confirmed
    status TEXT NOT NULL,
    -- zero_use | high_use, while held or after confirmation
    hold_reason TEXT,
    kwh BIGINT NOT NULL,
    rollover BIGINT NOT NULL,
    reader TEXT NOT NULL,
    -- page | import | api
    source TEXT NOT NULL,
    -- The reading that corrects this one (no foreign key: the old row points
    -- to the new id before the new row is written, so that one reading of a
    -- kind stands at any moment).
    replaced_by BIGINT,
    created_at TEXT NOT NULL
);
-- One standing reading of a kind per meter and month.
CREATE UNIQUE INDEX power_readings_month ON power_readings (meter_id, month, kind) WHERE replaced_by IS NULL;
CREATE INDEX power_readings_account ON power_readings (account_id, month);
