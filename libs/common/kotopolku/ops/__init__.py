"""Operational APIs every service serves (status for the SRE tool)."""
