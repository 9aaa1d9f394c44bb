"""Template context shared by every page."""

from portal.roles import is_agent


def roles(request):
    user = getattr(request, "user", None)
    return {"is_agent": bool(user and is_agent(user))}
