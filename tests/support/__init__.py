"""Helpers shared by the tests: message builders, API calls, factories, a webhook receiver, loopback
servers."""
