-- Sign-in attempts are counted before the password is checked, by one
-- conditional upsert per account and per address that reserves a slot
-- (kefu-accounts throttle.rs): a row a key, so parallel attempts queue on
-- it instead of each counting the failures of the others before they are
-- written. The failures table it replaces counted after the check.
DROP TABLE login_failures;

CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    attempts BIGINT NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);
