"""The peer systems on the service's borders: the Schuldenknooppunt (SOAP mailbox hub) and
Vroegsignalering (the gemeenten's early-warning system), with simulators of both."""
