-- A VIN is found by its last six or last eight characters, or whole. Each
-- vehicle had a key for each (v6…, v8…, vf…); now one key holds the VIN
-- written back to front, so every tail is a prefix of it: two keys fewer a
-- vehicle, and the longest two. Every VIN has 17
-- characters (ISO 3779); the seventeen one-character substrings, last
-- first, spell it backwards in both dialects. Only VIN keys begin with 'v'.
DELETE FROM search_keys WHERE key >= 'v' AND key < 'w';

INSERT INTO search_keys (key, customer_id, source)
    SELECT 'v' || substr(v.vin, 17, 1) || substr(v.vin, 16, 1) || substr(v.vin, 15, 1) || substr(v.vin, 14, 1) || substr(v.vin, 13, 1) || substr(v.vin, 12, 1) || substr(v.vin, 11, 1) || substr(v.vin, 10, 1) || substr(v.vin, 9, 1) || substr(v.vin, 8, 1) || substr(v.vin, 7, 1) || substr(v.vin, 6, 1) || substr(v.vin, 5, 1) || substr(v.vin, 4, 1) || substr(v.vin, 3, 1) || substr(v.vin, 2, 1) || substr(v.vin, 1, 1),
           s.customer_id, s.source
    FROM search_key_sets s JOIN vehicles v ON v.id = CAST(substr(s.source, 9) AS BIGINT)
    WHERE s.source LIKE 'vehicle:%';


-- Each vehicle's set lists its keys anew.
DELETE FROM search_key_sets WHERE source LIKE 'vehicle:%';
INSERT INTO search_key_sets (customer_id, source, key_list)
    SELECT customer_id, source, {{string_agg}}(key, {{newline}}) FROM search_keys
    WHERE source LIKE 'vehicle:%' GROUP BY customer_id, source;
