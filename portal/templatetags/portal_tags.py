"""Small display helpers for the portal's templates."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def time_left(due_at: datetime | None) -> str:
    """“12 min left”, “3 h 5 min left” or “overdue by 4 min”."""
    if due_at is None:
        return "—"
    seconds = int((due_at - timezone.now()).total_seconds())
    minutes = abs(seconds) // 60
    hours, rest = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {rest} min"
    else:
        text = f"{rest} min"
    return f"{text} left" if seconds >= 0 else f"overdue by {text}"


@register.filter
def is_overdue(due_at: datetime | None) -> bool:
    return due_at is not None and due_at < timezone.now()
