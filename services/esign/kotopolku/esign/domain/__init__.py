"""The e-signature domain: signing requests, their parties, order and deadline, and the approval
each signature records. Pure rules, no I/O."""
