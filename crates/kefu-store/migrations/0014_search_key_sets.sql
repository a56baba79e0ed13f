-- The search keys each source contributed for a customer ('customer',
-- 'contact:12', 'vehicle:7'), one row per source, one key per line.
-- Replacing or moving a source's keys reads them here and deletes them from
-- search_keys by its primary key, so search_keys needs no second index by
-- customer: every key is written into one B-tree instead of two, which was
-- a third of the work of an import (18 keys a row of the file).
CREATE TABLE search_key_sets (
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    source TEXT NOT NULL,
    key_list TEXT NOT NULL,
    PRIMARY KEY (customer_id, source)
){{without_rowid}};

INSERT INTO search_key_sets (customer_id, source, key_list)
    SELECT customer_id, source, {{string_agg}}(key, {{newline}}) FROM search_keys GROUP BY customer_id, source;

DROP INDEX search_keys_customer;
