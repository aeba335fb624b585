"""Helpers of the client-segment journeys (e2e/test_journey_*_e2e.py)."""
