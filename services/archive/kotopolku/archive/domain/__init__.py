"""The archive's rules, without I/O: the TOS, retention dates, the job's state machine."""
