"""Normalization of the identifiers people are matched on: phones, emails, names.

Each rule lives once here, is tested alone, and is what dbt's staging calls (the functions
are registered in DuckDB by `crm_elt.dbt_plugin`). Every function takes and returns Arrow
arrays and works on the distinct values of its input, so a million records cost seconds.
"""
