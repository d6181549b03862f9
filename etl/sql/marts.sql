-- Marts, rebuilt after every load from the facts. Every fact is kept at the finest region known
-- and counted once at each of its ancestors (region_ancestor), so a record known only to city
-- level counts at the city and above, never below. `year` is the year of the date the row
-- describes: observed_on (talent), founded_on or observed_on (enterprise), posted_on, moved_on.

-- One row per person (docs/linkage.md, "Counting"): every talent count and list reads this table,
-- not the records in `talent`. Its shape is talent's (SELECT *). The row is the person's
-- representative record: the most recent (observed_on, then the latest batch, then the smallest
-- talent_id); talent_id, adcode, observed_on, source, batch_id and person_id are that record's
-- own (a person is where and when their latest record says). A descriptive field the record lacks
-- is taken from the person's next most recent record that has it. Lacks: NULL; for skills NULL or
-- empty; for tier also 'N', which the loader writes for a blank tier and for a file without a
-- tier column (an HR workbook after a 人社 list must not take a B-tier person's tier away).
CREATE OR REPLACE TABLE talent_person AS
WITH several AS (  -- persons of more than one record: only theirs are ranked and filled
    SELECT coalesce(person_id, talent_id) AS _person FROM talent GROUP BY ALL HAVING count(*) > 1
),
ranks AS (  -- ranked on the few columns the order needs, then joined to the wide rows
    SELECT talent_id, row_number() OVER w AS _rank
    FROM talent t SEMI JOIN several s ON s._person = coalesce(t.person_id, t.talent_id)
    WINDOW w AS (PARTITION BY coalesce(t.person_id, t.talent_id)
                 ORDER BY t.observed_on DESC, t.batch_id DESC, t.talent_id)
),
ranked AS (
    SELECT t.*, k._rank FROM talent t JOIN ranks k USING (talent_id)
),
filled AS (
    SELECT coalesce(person_id, talent_id) AS _person,
           arg_min(node_id, _rank) FILTER (WHERE node_id IS NOT NULL) AS node_id,
           arg_min(tier, _rank) FILTER (WHERE tier <> 'N') AS tier,
           arg_min(education, _rank) FILTER (WHERE education IS NOT NULL) AS education,
           arg_min(university, _rank) FILTER (WHERE university IS NOT NULL) AS university,
           arg_min(major, _rank) FILTER (WHERE major IS NOT NULL) AS major,
           arg_min(title, _rank) FILTER (WHERE title IS NOT NULL) AS title,
           arg_min(years_experience, _rank) FILTER (WHERE years_experience IS NOT NULL)
               AS years_experience,
           arg_min(birth_year, _rank) FILTER (WHERE birth_year IS NOT NULL) AS birth_year,
           arg_min(employer_name, _rank) FILTER (WHERE employer_name IS NOT NULL) AS employer_name,
           arg_min(employer_credit_code, _rank) FILTER (WHERE employer_credit_code IS NOT NULL)
               AS employer_credit_code,
           arg_min(is_returnee, _rank) FILTER (WHERE is_returnee IS NOT NULL) AS is_returnee,
           arg_min(overseas_country, _rank) FILTER (WHERE overseas_country IS NOT NULL)
               AS overseas_country,
           arg_min(willing_to_relocate, _rank) FILTER (WHERE willing_to_relocate IS NOT NULL)
               AS willing_to_relocate,
           arg_min(expected_adcode, _rank) FILTER (WHERE expected_adcode IS NOT NULL)
               AS expected_adcode,
           arg_min(skills, _rank) FILTER (WHERE len(skills) > 0) AS skills
    FROM ranked WHERE _rank > 1  -- the older records; the representative's own value wins below
    GROUP BY ALL
)
SELECT r.* EXCLUDE (_rank) REPLACE (
           coalesce(r.node_id, f.node_id) AS node_id,
           CASE WHEN coalesce(r.tier, 'N') = 'N' THEN coalesce(f.tier, r.tier) ELSE r.tier END
               AS tier,
           coalesce(r.education, f.education) AS education,
           coalesce(r.university, f.university) AS university,
           coalesce(r.major, f.major) AS major,
           coalesce(r.title, f.title) AS title,
           coalesce(r.years_experience, f.years_experience) AS years_experience,
           coalesce(r.birth_year, f.birth_year) AS birth_year,
           coalesce(r.employer_name, f.employer_name) AS employer_name,
           coalesce(r.employer_credit_code, f.employer_credit_code) AS employer_credit_code,
           coalesce(r.is_returnee, f.is_returnee) AS is_returnee,
           coalesce(r.overseas_country, f.overseas_country) AS overseas_country,
           coalesce(r.willing_to_relocate, f.willing_to_relocate) AS willing_to_relocate,
           coalesce(r.expected_adcode, f.expected_adcode) AS expected_adcode,
           CASE WHEN len(r.skills) > 0 OR f.skills IS NULL THEN r.skills
                ELSE f.skills END AS skills)
FROM ranked r LEFT JOIN filled f ON f._person = coalesce(r.person_id, r.talent_id)
WHERE r._rank = 1
UNION ALL  -- a person of one record is that record as it is
SELECT t.* FROM talent t ANTI JOIN several s ON s._person = coalesce(t.person_id, t.talent_id);

-- Talent counts persons, not records: each person once (talent_person), in the cell and year of
-- their latest record, with its descriptive fields filled as above (a person whose latest record
-- has no node but an older one has counts in that node). The cells add up to the persons and a
-- stock summed over years <= Y (analytics) counts nobody twice; `talents` counts persons. A row
-- of talent_person is one person, and region_ancestor names each ancestor of a place once (both
-- held by the integrity checks before a publish), so a cell's rows are its persons: count(*),
-- not count(DISTINCT person_id), which took three times as long (1.16 -> 0.38 s at 1M persons).
CREATE OR REPLACE TABLE mart_talent_supply AS
WITH talent_rows AS (
    SELECT t.adcode, coalesce(t.node_id, '未分类') AS node_id, coalesce(t.tier, 'N') AS tier,
           coalesce(t.education, '其他') AS education,
           CASE WHEN t.years_experience IS NULL THEN '未知'
                WHEN t.years_experience < 3 THEN '0-3'
                WHEN t.years_experience < 5 THEN '3-5'
                WHEN t.years_experience < 10 THEN '5-10'
                ELSE '10+' END AS experience_band,
           coalesce(t.is_returnee, false) AS is_returnee,
           year(t.observed_on) AS year,
           coalesce(t.person_id, t.talent_id) AS person_id
    FROM talent_person t
)
SELECT a.ancestor_adcode AS adcode, a.ancestor_level AS level, r.node_id, r.tier, r.education,
       r.experience_band, r.is_returnee, r.year, count(*) AS talents
FROM talent_rows r JOIN region_ancestor a USING (adcode)
GROUP BY ALL;

CREATE OR REPLACE TABLE mart_posting_demand AS
SELECT a.ancestor_adcode AS adcode, a.ancestor_level AS level,
       coalesce(p.node_id, '未分类') AS node_id, year(p.posted_on) AS year,
       count(*) AS postings,
       count(p.salary_min) AS salaried_postings,
       median((p.salary_min + coalesce(p.salary_max, p.salary_min)) / 2.0) AS median_salary,
       sum((p.salary_min + coalesce(p.salary_max, p.salary_min)) / 2.0) AS salary_sum
FROM job_posting p JOIN region_ancestor a USING (adcode)
GROUP BY ALL;

CREATE OR REPLACE TABLE mart_enterprise AS
SELECT a.ancestor_adcode AS adcode, a.ancestor_level AS level,
       coalesce(e.node_id, '未分类') AS node_id,
       year(coalesce(e.founded_on, e.observed_on)) AS year,
       count(*) AS enterprises,
       count(*) FILTER (WHERE e.is_chain_leader) AS chain_leaders,
       count(*) FILTER (WHERE e.is_listed) AS listed,
       sum(coalesce(e.employees, 0)) AS employees
FROM enterprise e JOIN region_ancestor a USING (adcode)
WHERE coalesce(e.reg_status, '存续') NOT IN ('注销', '吊销')  -- 吊销/注销: no longer in business
GROUP BY ALL;

-- Moves by region pair at each level; moves inside a region at that level are not flows there.
-- At city level a place with no city above it stands for itself through its province: 重庆's
-- districts (directly under the province) and moves recorded only to a province count under the
-- province, and a municipality's province (北京市 110000) under its one city (110100), so that a
-- municipality's flows are the same at province and city level and no move is dropped. A place
-- abroad (a country, or 900000 海外) stands for itself at every level: a move from 英国 to 崂山区
-- is an arrival from 英国 at 崂山区, 青岛市, 山东省 and 全国 (回流), the reverse a departure.
CREATE OR REPLACE TABLE mart_moves AS
WITH only_city AS (
    SELECT parent_adcode AS province, any_value(adcode) AS city FROM region
    WHERE level = 'city' GROUP BY parent_adcode HAVING count(*) = 1
),
anc AS (
    SELECT adcode, ancestor_adcode, ancestor_level FROM region_ancestor
    UNION ALL
    SELECT a.adcode, coalesce(o.city, a.ancestor_adcode), 'city'
    FROM region_ancestor a LEFT JOIN only_city o ON o.province = a.ancestor_adcode
    WHERE a.ancestor_level = 'province'
      AND NOT EXISTS (SELECT 1 FROM region_ancestor c
                      WHERE c.adcode = a.adcode AND c.ancestor_level = 'city')
    UNION ALL
    SELECT r.adcode, r.adcode, lv.level FROM region r
    CROSS JOIN (VALUES ('country'), ('province'), ('city'), ('district')) lv(level)
    WHERE r.level = 'abroad'
)
SELECT f.ancestor_adcode AS from_adcode, t.ancestor_adcode AS to_adcode,
       f.ancestor_level AS level, coalesce(tl.node_id, '未分类') AS node_id,
       year(m.moved_on) AS year, count(*) AS moves
FROM talent_move m
JOIN anc f ON f.adcode = m.from_adcode
JOIN anc t ON t.adcode = m.to_adcode AND t.ancestor_level = f.ancestor_level
LEFT JOIN talent tl ON tl.talent_id = m.talent_id
WHERE f.ancestor_adcode <> t.ancestor_adcode
GROUP BY ALL;
