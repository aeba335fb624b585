"""The archive service: retention rules, archival packages, legal holds and disposal
(IS service 17)."""
