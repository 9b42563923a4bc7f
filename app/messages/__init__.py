"""The v1 message specification: parsing and validating JSON and XML against schemas/."""
