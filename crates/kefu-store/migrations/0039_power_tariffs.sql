-- The power pack's stored tariffs (issue 20 §2): one row per tariff with its
-- text in the tariff file format (versions and prices included), read back
-- through the file's validation. A code without a row is the shipped tariff.

CREATE TABLE power_tariffs (
    code {{text_c}} PRIMARY KEY,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
