-- Duplicate detection looks for namesakes born the same day. A common name
-- has a thousand namesakes in a large archive (1,270 for 李杰 at a million
-- customers); the few dozen customers born on one day are found by this
-- index, which holds their ids too, so that only their name keys are
-- checked and only a namesake's row is read.
CREATE INDEX customers_birthday ON customers (birthday, id);
