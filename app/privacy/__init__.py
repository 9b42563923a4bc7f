"""Personal data at rest and over time: the data keys and encryption of personal-data columns,
key rotation, erasure after the retention period, and the register of processing activities the
processing log names."""
