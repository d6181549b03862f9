-- Canonical warehouse schema (DESIGN.md "Data model"). Facts keep `source` and `batch_id`,
-- and the date they describe. Natural keys are enforced by the loader (upsert) and checked by
-- etl/sql/checks.sql before every publish; they are not declared as indexes so that bulk loads
-- of a million rows stay fast.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- Dimensions ---------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS region (
    adcode          VARCHAR PRIMARY KEY,   -- 6-digit AMap code; the stem of its boundary file
    name            VARCHAR NOT NULL,
    short_name      VARCHAR,
    -- 'abroad': a country abroad (9 + ISO 3166-1 numeric + 00) under 900000 海外 (reference/abroad.py)
    level           VARCHAR NOT NULL CHECK (level IN ('country', 'province', 'city', 'district',
                                                  'abroad')),
    parent_adcode   VARCHAR,
    province_adcode VARCHAR,
    city_adcode     VARCHAR,
    lon             DOUBLE,
    lat             DOUBLE,
    area_km2        DOUBLE
);

-- Each region with itself and all its parents: facts roll up through this bridge.
CREATE TABLE IF NOT EXISTS region_ancestor (
    adcode          VARCHAR NOT NULL,
    ancestor_adcode VARCHAR NOT NULL,
    ancestor_level  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS chain_node (
    node_id  VARCHAR PRIMARY KEY,
    name_zh  VARCHAR NOT NULL,
    name_en  VARCHAR,
    layer    VARCHAR NOT NULL CHECK (layer IN ('基础层', '技术层', '应用层')),
    segment  VARCHAR NOT NULL,
    sequence INTEGER NOT NULL,
    links_to VARCHAR[],
    keywords VARCHAR[]
);

CREATE TABLE IF NOT EXISTS tier (
    tier VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    rank INTEGER NOT NULL,
    description VARCHAR
);

CREATE TABLE IF NOT EXISTS education (
    level VARCHAR PRIMARY KEY,
    rank  INTEGER NOT NULL
);

-- Facts --------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS enterprise (
    credit_code            VARCHAR NOT NULL,
    name                   VARCHAR NOT NULL,
    adcode                 VARCHAR NOT NULL,
    address                VARCHAR,
    node_id                VARCHAR,
    founded_on             DATE,
    registered_capital_wan DOUBLE,   -- CNY equivalent in 万元 (data/fx_rates.csv), for comparing
    employees              INTEGER,
    is_listed              BOOLEAN,
    is_chain_leader        BOOLEAN,
    observed_on            DATE,
    source                 VARCHAR NOT NULL,
    batch_id               INTEGER NOT NULL,
    registered_capital     DOUBLE,    -- as registered, in units of one of capital_currency
    capital_currency       VARCHAR    -- ISO 4217: CNY, USD, EUR, HKD, JPY, GBP …
);
-- Warehouses from before these columns get them (inserts are by name, so order is no matter).
ALTER TABLE enterprise ADD COLUMN IF NOT EXISTS registered_capital DOUBLE;
ALTER TABLE enterprise ADD COLUMN IF NOT EXISTS capital_currency VARCHAR;
-- 登记状态: 存续, 迁出, 停业, 清算, 吊销, 注销 (etl/normalize/reg_status.py); NULL when not given
ALTER TABLE enterprise ADD COLUMN IF NOT EXISTS reg_status VARCHAR;

CREATE TABLE IF NOT EXISTS talent (
    talent_id            VARCHAR NOT NULL,  -- keyed hash of source and source id, never an ID number
    adcode               VARCHAR NOT NULL,
    node_id              VARCHAR,
    tier                 VARCHAR,
    education            VARCHAR,
    university           VARCHAR,
    major                VARCHAR,
    title                VARCHAR,
    years_experience     DOUBLE,
    birth_year           INTEGER,
    employer_name        VARCHAR,
    employer_credit_code VARCHAR,
    is_returnee          BOOLEAN,
    overseas_country     VARCHAR,
    willing_to_relocate  BOOLEAN,
    expected_adcode      VARCHAR,
    skills               VARCHAR[],
    observed_on          DATE NOT NULL,
    source               VARCHAR NOT NULL,
    batch_id             INTEGER NOT NULL,
    person_id            VARCHAR            -- the person this record is of (etl/linkage.py)
);
ALTER TABLE talent ADD COLUMN IF NOT EXISTS person_id VARCHAR;

-- Personal data, kept apart from the talent facts; shown only to roles that may see it.
CREATE TABLE IF NOT EXISTS talent_contact (
    talent_id VARCHAR NOT NULL,
    name      VARCHAR,
    phone     VARCHAR,
    email     VARCHAR,
    batch_id  INTEGER NOT NULL,
    birth_month VARCHAR   -- YYYY-MM as written (or YYYY): for linking records of one person
);
ALTER TABLE talent_contact ADD COLUMN IF NOT EXISTS birth_month VARCHAR;
-- keyed hash of a checked 身份证号 (etl/normalize/id_number.py); the number itself is never stored
ALTER TABLE talent_contact ADD COLUMN IF NOT EXISTS id_hash VARCHAR;

-- Persons (docs/linkage.md): records of one person linked at every publish (etl/linkage.py).
-- person_member carries each record's person from publish to publish (a reloaded record keeps
-- its person); `person` is rebuilt from talent at every publish.
CREATE TABLE IF NOT EXISTS person_member (
    talent_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS person (
    person_id         VARCHAR NOT NULL,
    records           BIGINT,
    sources           BIGINT,
    source_list       VARCHAR[],
    first_observed_on DATE,
    last_observed_on  DATE,
    first_talent_id   VARCHAR
);
-- Pairs the model found likely but not certain: a reviewer confirms or rejects them
-- (store/link_decisions.py, outside the warehouse). Rebuilt at every publish; decided pairs leave.
CREATE TABLE IF NOT EXISTS link_review (
    talent_id_a VARCHAR NOT NULL,
    talent_id_b VARCHAR NOT NULL,
    probability DOUBLE NOT NULL,
    compared    VARCHAR        -- JSON: each compared field's outcome (汉字相同, 年份相同, 不同, 空 …)
);

CREATE TABLE IF NOT EXISTS job_posting (
    posting_id     VARCHAR NOT NULL,
    credit_code    VARCHAR,
    company_name   VARCHAR,
    adcode         VARCHAR NOT NULL,
    node_id        VARCHAR,
    title          VARCHAR NOT NULL,
    skills         VARCHAR[],
    salary_min     INTEGER,   -- yuan per month
    salary_max     INTEGER,
    salary_months  INTEGER,
    education_req  VARCHAR,
    experience_min DOUBLE,
    posted_on      DATE NOT NULL,
    source         VARCHAR NOT NULL,
    batch_id       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS talent_move (
    talent_id   VARCHAR NOT NULL,
    from_adcode VARCHAR NOT NULL,
    to_adcode   VARCHAR NOT NULL,
    moved_on    DATE NOT NULL,
    source      VARCHAR NOT NULL,
    batch_id    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS region_indicator (
    adcode    VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    year      INTEGER NOT NULL,
    value     DOUBLE NOT NULL,
    unit      VARCHAR,
    source    VARCHAR,
    batch_id  INTEGER NOT NULL
);

-- Lineage ------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS load_batch (
    batch_id         INTEGER PRIMARY KEY,
    file             VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    kind             VARCHAR,
    source           VARCHAR,
    rows_read        BIGINT,
    rows_loaded      BIGINT,
    rows_quarantined BIGINT,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    status           VARCHAR NOT NULL CHECK (status IN ('loaded', 'skipped', 'failed')),
    message          VARCHAR,
    rows_warned      BIGINT      -- rows loaded with at least one field warning (field_warning)
);
ALTER TABLE load_batch ADD COLUMN IF NOT EXISTS rows_warned BIGINT;

-- What each batch wrote to each fact table, kept true at every later load: rows_replaced counts
-- the rows a later batch replaced (same natural key, last load wins). The integrity checks hold
-- every batch to rows_written - rows_replaced = the rows with its batch_id present now, counted
-- by scanning the fact table (never from a table's row count metadata).
CREATE TABLE IF NOT EXISTS batch_rows (
    batch_id      INTEGER NOT NULL,
    table_name    VARCHAR NOT NULL,
    rows_written  BIGINT NOT NULL,
    rows_replaced BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, table_name)
);

-- Batches loaded before batch_rows existed are not reconciled (meta 'reconciled_from_batch').
CREATE OR REPLACE VIEW reconciled_since AS
SELECT coalesce(max(CAST(value AS INTEGER)), 1) AS first_batch
FROM meta WHERE key = 'reconciled_from_batch';

-- Per batch and fact table: rows written, replaced since, and present now (counted by a scan).
CREATE OR REPLACE VIEW batch_reconciliation AS
WITH present AS (
    SELECT 'enterprise' AS table_name, batch_id, count(*) AS n FROM enterprise GROUP BY ALL
    UNION ALL SELECT 'talent', batch_id, count(*) FROM talent GROUP BY ALL
    UNION ALL SELECT 'talent_contact', batch_id, count(*) FROM talent_contact GROUP BY ALL
    UNION ALL SELECT 'job_posting', batch_id, count(*) FROM job_posting GROUP BY ALL
    UNION ALL SELECT 'talent_move', batch_id, count(*) FROM talent_move GROUP BY ALL
    UNION ALL SELECT 'region_indicator', batch_id, count(*) FROM region_indicator GROUP BY ALL
)
SELECT batch_id, table_name, l.file,
       coalesce(b.rows_written, 0) AS rows_written, coalesce(b.rows_replaced, 0) AS rows_replaced,
       coalesce(p.n, 0) AS rows_present,
       coalesce(b.rows_written - b.rows_replaced, 0) = coalesce(p.n, 0) AS ok
FROM batch_rows b FULL JOIN present p USING (table_name, batch_id)
LEFT JOIN load_batch l USING (batch_id)
WHERE batch_id >= (SELECT first_batch FROM reconciled_since);

CREATE TABLE IF NOT EXISTS quarantine (
    batch_id   INTEGER NOT NULL,
    file       VARCHAR NOT NULL,
    row_number BIGINT,          -- line (CSV) or row (XLSX) number in the file, header counted
    field      VARCHAR,
    reason     VARCHAR NOT NULL,
    raw        VARCHAR          -- the row as JSON, as read
);

-- A field a kept row could do without, that could not be read: the row is loaded with the field
-- empty (NULL), and the problem is kept here. Written per batch with the file's rows (a file
-- that fails leaves none); rows_warned of the batch counts the distinct rows.
CREATE TABLE IF NOT EXISTS field_warning (
    batch_id   INTEGER NOT NULL,
    file       VARCHAR NOT NULL,
    row_number BIGINT,          -- as in quarantine
    field      VARCHAR NOT NULL, -- the field's label (注册资本, 工作年限 …)
    reason     VARCHAR NOT NULL,
    raw        VARCHAR          -- the cell as read (personal data possible: admins only)
);
