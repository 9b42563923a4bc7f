"""Warme doorverwijzing: routes warm referrals from creditors to municipal debt help."""

API_VERSION = "1.0.0"
