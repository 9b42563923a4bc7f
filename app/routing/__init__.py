"""Routing a referral by postcode + house number to a gemeente and its uitvoerder."""
