"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from portal.roles import is_agent


def roles(request):
    """Lazy: the permission lookup (two queries) runs only when a template asks, so htmx
    partials such as the suggestions while typing do not pay for it."""
    user = getattr(request, "user", None)
    return {"is_agent": SimpleLazyObject(lambda: bool(user and is_agent(user)))}
