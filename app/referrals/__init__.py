"""Warm referrals: intake, storage and reading."""
