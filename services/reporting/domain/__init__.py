"""Reporting's domain: how the county's figures are counted (plain Python)."""
