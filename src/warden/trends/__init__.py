"""Abuse-trend monitoring: Prometheus metrics, stored aggregates of decisions over time, emerging clusters."""
