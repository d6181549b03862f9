"""The published tables by kind, and SQL fragments over them that both sides use.

Names here are the whitelist: a table name is put into SQL only if it comes from these tuples.
"""

# Facts loaded from files (talent_contact travels with talent), marts rebuilt on every publish.
FACT_TABLES = ("enterprise", "talent", "talent_contact", "job_posting", "talent_move",
               "region_indicator")
MART_TABLES = ("mart_talent_supply", "mart_posting_demand", "mart_enterprise", "mart_moves")
DIMENSION_TABLES = ("region", "chain_node")
# A quarantine reason without its details (the value, the earlier row): groups rows by kind.
REASON_KIND = r"regexp_replace(reason, '(:| \().*$', '')"
