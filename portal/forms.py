"""Input parsing for the portal's forms: lengths, blank text and choices, with clear messages."""

from django import forms
from django.conf import settings

from portal.models import SupportRequest

BLANK_MESSAGE = "Please write something here — it cannot be empty or only spaces."


class NonBlankCharField(forms.CharField):
    """A required text field that rejects whitespace-only input and says so plainly."""

    def __init__(self, *, max_length: int, label: str, **kwargs):
        super().__init__(
            max_length=max_length,
            label=label,
            strip=False,
            error_messages={
                "required": BLANK_MESSAGE,
                "max_length": f"Please keep this under {max_length:,} characters "
                "(it has %(show_value)s).",
            },
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if not value.strip():
            raise forms.ValidationError(BLANK_MESSAGE, code="blank")
        return value.strip()


class ImpactForm(forms.Form):
    """The impact fields triage reads: on the request form and on "add details"."""

    production_affected = forms.BooleanField(
        required=False, label="Our production environment is affected"
    )
    users_affected = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10_000_000,
        label="How many users are affected?",
        error_messages={"min_value": "Please enter 0 or more users."},
    )
    workaround_available = forms.TypedChoiceField(
        choices=[("", "I don't know"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
        label="Is there a workaround?",
    )


class SupportRequestForm(ImpactForm):
    subject = NonBlankCharField(
        max_length=settings.PORTAL_SUBJECT_MAX_LENGTH,
        label="Subject",
        help_text="One line: what is wrong, or what you want to do.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = NonBlankCharField(
        max_length=settings.PORTAL_BODY_MAX_LENGTH,
        label="Describe the problem",
        help_text="What you did, what you expected, what happened instead, error messages.",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    product_area = forms.ChoiceField(
        choices=SupportRequest.ProductArea.choices,
        initial=SupportRequest.ProductArea.GENERAL,
        label="Product area",
    )
    claimed_urgency = forms.ChoiceField(
        choices=SupportRequest.ClaimedUrgency.choices,
        initial=SupportRequest.ClaimedUrgency.NORMAL,
        label="How urgent is it for you?",
    )
    call_requested = forms.BooleanField(required=False, label="I need a call now")


class ReplyForm(forms.Form):
    body = NonBlankCharField(
        max_length=settings.PORTAL_BODY_MAX_LENGTH,
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AgentMessageForm(ReplyForm):
    internal = forms.BooleanField(required=False, label="Internal note (staff only)")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=SupportRequest.Status.choices, label="Status")


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All open")] + list(SupportRequest.Status.choices),
        required=False,
        label="Status",
    )
    organization = forms.TypedChoiceField(
        choices=[], coerce=int, empty_value=None, required=False, label="Organization"
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "All organizations")] + [
            (org.pk, org.name) for org in organizations
        ]


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(choices=SupportRequest.Tier.choices, label="Tier")
    reason = NonBlankCharField(
        max_length=500,
        label="Why?",
        help_text="Recorded with the change; agents and managers see it.",
    )
