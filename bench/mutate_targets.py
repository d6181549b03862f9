"""What bench/mutate.py mutates, and the test files meant to catch each module's bugs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Module → the test files that are meant to catch its bugs (fastest and most specific first).
# A file missing from the checkout is skipped (e.g. when measuring an older commit).
NORMALIZE_TESTS = ["tests/test_normalize_mutants.py", "tests/test_normalize_mutants_parsers.py",
                   "tests/test_normalize_more.py", "tests/test_normalize_misc.py"]
CORE: dict[str, list[str]] = {
    "etl/normalize/credit_code.py": ["tests/test_normalize_credit_code.py", *NORMALIZE_TESTS,
                                     "tests/test_properties.py"],
    "etl/normalize/dates.py": ["tests/test_normalize_dates.py", *NORMALIZE_TESTS,
                               "tests/test_properties.py"],
    "etl/normalize/education.py": NORMALIZE_TESTS,
    "etl/normalize/experience.py": NORMALIZE_TESTS,
    "etl/normalize/flags.py": NORMALIZE_TESTS,
    "etl/normalize/salary.py": ["tests/test_normalize_salary.py", *NORMALIZE_TESTS,
                                "tests/test_properties.py"],
    "etl/normalize/skills.py": [*NORMALIZE_TESTS, "tests/test_properties.py"],
    "etl/normalize/text.py": [*NORMALIZE_TESTS, "tests/test_normalize_salary.py",
                              "tests/test_normalize_dates.py", "tests/test_properties.py"],
    "etl/normalize/capital.py": ["tests/test_normalize_capital.py", *NORMALIZE_TESTS],
    "etl/normalize/number.py": ["tests/test_impossible_values.py", *NORMALIZE_TESTS],
    "maps/resolver.py": ["tests/test_resolver_mutants.py", "tests/test_resolver_mutants2.py",
                         "tests/test_resolver.py", "tests/test_abroad.py",
                         "tests/test_properties.py"],
    "reference/abroad.py": ["tests/test_abroad.py", "tests/test_resolver.py"],
    "analytics/filters.py": ["tests/test_filters.py", "tests/test_exports.py"],
    "analytics/disclosure.py": ["tests/test_disclosure.py"],
    "exports/tables.py": ["tests/test_export_tables.py", "tests/test_exports.py",
                          "tests/test_clusters.py"],
    "analytics/clusters.py": ["tests/test_clusters_mutants.py", "tests/test_clusters.py",
                              "tests/test_properties.py"],
    "analytics/metrics.py": ["tests/test_metrics_mutants.py", "tests/test_metrics_registry.py"],
}
# Other modules it can be pointed at (slower suites: they load a warehouse per run).
OTHERS: dict[str, list[str]] = {
    # tests/test_crash_safety.py (3+ min: it kills loads at 17 points) and tests/test_linkage.py
    # also publish, but are too slow per mutant; the survivors were run against them by hand.
    "etl/warehouse.py": ["tests/test_warehouse_mutants.py", "tests/test_checks.py",
                         "tests/test_abroad_warehouse.py", "tests/test_etl_load.py",
                         "tests/test_bad_inputs.py", "tests/test_field_warnings.py",
                         "tests/test_persons.py", "tests/test_load_integrity.py"],
    "etl/transform.py": ["tests/test_etl_load.py", "tests/test_bad_inputs.py"],
    "etl/mapping.py": ["tests/test_etl_load.py", "tests/test_bad_inputs.py"],
    "reference/taxonomy.py": ["tests/test_etl_load.py", "tests/test_supply_chain.py"],
    "reference/regions.py": ["tests/test_resolver.py", "tests/test_geometry.py"],
    "analytics/queries.py": ["tests/test_flows.py", "tests/test_gaps.py", "tests/test_profile.py"],
    "analytics/gaps.py": ["tests/test_gaps.py", "tests/test_supply_chain.py"],
    "analytics/talent_aggregates.py": ["tests/test_clusters.py", "tests/test_access.py",
                                       "tests/test_roles.py"],
    "etl/delimited.py": ["tests/test_readers.py", "tests/test_reader.py", "tests/test_bad_inputs.py"],
    "analytics/talent.py": ["tests/test_clusters.py", "tests/test_access.py",
                            "tests/test_roles.py"],
    "access/users.py": ["tests/test_access.py", "tests/test_signin_limits.py",
                        "tests/test_roles.py"],
    "exports/charts.py": ["tests/test_exports.py"],
    "exports/brief.py": ["tests/test_brief.py"],
}
# A normaliser added later is core too, with the shared normaliser tests until mapped above.
CORE.update({f"etl/normalize/{p.name}": NORMALIZE_TESTS
             for p in sorted((ROOT / "etl" / "normalize").glob("*.py"))
             if p.name != "__init__.py" and f"etl/normalize/{p.name}" not in CORE})
