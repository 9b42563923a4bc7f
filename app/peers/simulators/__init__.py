"""Simulators of the peers, implementing the proposed contracts, for the sandbox and the tests.
They keep state in memory and can be told to fail (timeouts, 5xx, SOAP faults, garbage)."""
