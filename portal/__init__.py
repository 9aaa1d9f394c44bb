"""Callgate's Django project wiring and its customer- and agent-facing interface."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
