"""Urgency assessment, policies, SLA promise, business calendars, timers and escalation."""
