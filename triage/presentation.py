"""Plain-language texts for the customer page: what happens next for each recommended action."""

NEXT_STEPS = {
    "page_on_call": (
        "We are paging our on-call engineer now. A person will be with you within minutes, "
        "day or night."
    ),
    "priority_callback": (
        "A specialist has been alerted and will get back to you with priority — you can ask "
        "for a callback."
    ),
    "async_update": (
        "We will send you an update here and by email within a few business hours. "
        "Adding details below helps us move faster."
    ),
    "async_reply": "We will answer here and by email by the next business day.",
    "self_service": (
        "The articles suggested on this page should answer this right away. If they don't, "
        "reply and we will pick it up."
    ),
}


def next_step_text(action: str) -> str:
    return NEXT_STEPS.get(action, "We will answer here as soon as we can.")
