"""Staff roles as Django groups, and the permission each one is recognised by."""

AGENT_GROUP = "agent"
EDITOR_GROUP = "editor"
MANAGER_GROUP = "manager"

WORK_QUEUE_PERMISSION = "portal.work_queue"
EDIT_KB_PERMISSION = "portal.edit_knowledge_base"
MANAGE_SUPPORT_PERMISSION = "portal.manage_support"

# The groups and their permissions are created by migration portal/0002_staff_groups.


def is_agent(user) -> bool:
    return user.is_authenticated and user.has_perm(WORK_QUEUE_PERMISSION)
