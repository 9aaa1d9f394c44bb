"""Staff roles as Django groups, and the permission each one is recognised by."""

AGENT_GROUP = "agent"
EDITOR_GROUP = "editor"
MANAGER_GROUP = "manager"

WORK_QUEUE_PERMISSION = "portal.work_queue"
EDIT_KB_PERMISSION = "portal.edit_knowledge_base"
MANAGE_SUPPORT_PERMISSION = "portal.manage_support"

# Codenames per group. Migration portal/0002_staff_groups keeps its own frozen copy of this
# table; services.staff_groups_ensure() re-creates the groups from this one.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    AGENT_GROUP: ["work_queue", "view_supportrequest", "view_organization"],
    EDITOR_GROUP: ["edit_knowledge_base"],
    MANAGER_GROUP: [
        "work_queue",
        "manage_support",
        "edit_knowledge_base",
        "view_supportrequest",
        "view_organization",
        "change_organization",
        *(f"{verb}_{model}" for verb in ("add", "change", "delete", "view")
          for model in ("rotaslot", "rotaoverride")),
    ],
}  # fmt: skip


def is_agent(user) -> bool:
    return user.is_authenticated and user.has_perm(WORK_QUEUE_PERMISSION)
