-- Integrity checks run before every publish. Each query returns the number of offending rows;
-- the check name is the comment line above it (`-- check: name`). All must return 0.

-- check: enterprise credit_code unique
SELECT count(*) - count(DISTINCT credit_code) FROM enterprise;
-- check: talent talent_id unique
SELECT count(*) - count(DISTINCT talent_id) FROM talent;
-- check: job_posting posting_id unique
SELECT count(*) - count(DISTINCT posting_id) FROM job_posting;
-- check: talent_contact belongs to a talent
SELECT count(*) FROM talent_contact c ANTI JOIN talent t USING (talent_id);
-- check: facts point at known regions
SELECT (SELECT count(*) FROM enterprise ANTI JOIN region USING (adcode))
     + (SELECT count(*) FROM talent ANTI JOIN region USING (adcode))
     + (SELECT count(*) FROM job_posting ANTI JOIN region USING (adcode))
     + (SELECT count(*) FROM region_indicator ANTI JOIN region USING (adcode))
     + (SELECT count(*) FROM talent_move m WHERE m.from_adcode NOT IN (SELECT adcode FROM region)
                                             OR m.to_adcode NOT IN (SELECT adcode FROM region));
-- check: facts point at known chain nodes
SELECT (SELECT count(*) FROM enterprise WHERE node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM chain_node))
     + (SELECT count(*) FROM talent WHERE node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM chain_node))
     + (SELECT count(*) FROM job_posting WHERE node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM chain_node));
-- check: facts come from a loaded batch
SELECT (SELECT count(*) FROM enterprise WHERE batch_id NOT IN (SELECT batch_id FROM load_batch WHERE status = 'loaded'))
     + (SELECT count(*) FROM talent WHERE batch_id NOT IN (SELECT batch_id FROM load_batch WHERE status = 'loaded'))
     + (SELECT count(*) FROM job_posting WHERE batch_id NOT IN (SELECT batch_id FROM load_batch WHERE status = 'loaded'));
-- check: region_ancestor names each ancestor of a place once
-- (the talent mart counts a cell's rows as its persons)
SELECT count(*) - count(DISTINCT (adcode, ancestor_adcode)) FROM region_ancestor;
-- check: talent mart adds up to the talent table at country level
-- (it counts persons: each once, in the cell and year of their latest record;
-- China's total and 海外's: a place abroad rolls up to 900000, not to 100000)
SELECT abs((SELECT coalesce(sum(talents), 0) FROM mart_talent_supply
            WHERE level = 'country' OR adcode = '900000')
         - (SELECT count(DISTINCT person_id) FROM talent));
-- check: every talent record belongs to one person
SELECT (SELECT count(*) FROM talent WHERE person_id IS NULL)
     + (SELECT count(*) - count(DISTINCT talent_id) FROM person_member)
     + (SELECT count(*) FROM talent t ANTI JOIN person_member m USING (talent_id))
     + (WITH differ AS (SELECT t.talent_id FROM talent t JOIN person_member m USING (talent_id)
                         WHERE m.person_id <> t.person_id)
        SELECT count(*) FROM differ WHERE talent_id IN (  -- only these ids' counts are needed
            SELECT talent_id FROM talent SEMI JOIN differ USING (talent_id)
            GROUP BY ALL HAVING count(*) = 1));
-- (a duplicated talent_id is the business of the check on talent_id above)
-- check: person table counts each person once, with all its records
SELECT abs((SELECT count(*) FROM person) - (SELECT count(DISTINCT person_id) FROM talent))
     + abs((SELECT coalesce(sum(records), 0) FROM person) - (SELECT count(*) FROM talent))
     + (SELECT count(*) - count(DISTINCT person_id) FROM person);
-- check: talent_person has each person once, as one of its records
-- (what every talent count and list reads: docs/linkage.md, "Counting")
SELECT abs((SELECT count(*) FROM talent_person) - (SELECT count(DISTINCT person_id) FROM talent))
     + (SELECT count(*) - count(DISTINCT person_id) FROM talent_person)
     + (SELECT count(*) FROM talent_person p
        ANTI JOIN talent t ON t.talent_id = p.talent_id AND t.person_id = p.person_id);
-- check: enterprise mart adds up at country level
-- (firms in business: not 吊销 or 注销)
SELECT abs((SELECT coalesce(sum(enterprises), 0) FROM mart_enterprise
            WHERE level = 'country' OR adcode = '900000')
         - (SELECT count(*) FROM enterprise
            WHERE coalesce(reg_status, '存续') NOT IN ('注销', '吊销')));
-- check: posting mart adds up at country level
SELECT abs((SELECT coalesce(sum(postings), 0) FROM mart_posting_demand
            WHERE level = 'country' OR adcode = '900000')
         - (SELECT count(*) FROM job_posting));
-- check: provinces add up to the country in the talent mart
SELECT abs((SELECT coalesce(sum(talents), 0) FROM mart_talent_supply WHERE level = 'province')
         - (SELECT coalesce(sum(talents), 0) FROM mart_talent_supply WHERE level = 'country'));
-- check: every batch's rows are present in its fact tables
SELECT count(*) FROM batch_reconciliation WHERE NOT ok;
-- check: every loaded batch wrote the rows it records
SELECT count(*) FROM load_batch l
LEFT JOIN (SELECT batch_id, sum(rows_written) AS written FROM batch_rows
           WHERE table_name <> 'talent_contact' GROUP BY ALL) b USING (batch_id)
WHERE l.status = 'loaded' AND l.batch_id >= (SELECT first_batch FROM reconciled_since)
  AND l.rows_loaded <> coalesce(b.written, 0);
-- check: every loaded batch's field warnings are the rows it records
SELECT count(*) FROM load_batch l
LEFT JOIN (SELECT batch_id, count(DISTINCT row_number) AS warned FROM field_warning
           GROUP BY ALL) w USING (batch_id)
WHERE l.status = 'loaded' AND l.rows_warned IS NOT NULL
  AND (l.rows_warned <> coalesce(w.warned, 0) OR l.rows_warned > l.rows_loaded);
