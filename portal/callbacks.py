"""Callback input and output that needs no database: which tier may call, phone numbers in
E.164, the calendar file attached to a booking, and the forms that parse the customer's input."""

from __future__ import annotations

from datetime import datetime

import icalendar
import phonenumbers
from django import forms

from portal.forms import ImpactForm

CALL_NOW = "call"  # Emergency: page the on-call now
BOOK = "book"  # Urgent: priority callback in a slot or as soon as possible
ASYNC = "async"  # everything else: no call, the written thread

MODE_BY_TIER = {"emergency": CALL_NOW, "urgent": BOOK}


def callback_mode(tier: str) -> str:
    """What a request of ``tier`` may ask for; an untriaged request gets no call."""
    return MODE_BY_TIER.get(tier or "", ASYNC)


class PhoneError(ValueError):
    """The text is not a phone number we can dial; the message is safe to show."""


def phone_to_e164(raw: str, *, region: str) -> str:
    """Normalise ``raw`` to E.164 (``+4930123456``), reading numbers without a country code
    as numbers of ``region`` (ISO 3166-1 alpha-2). Raises PhoneError."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("Please enter the phone number we should call.")
    example = phonenumbers.example_number(region.upper())
    hint = (
        f" for example {phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)}"
        if example
        else ""
    )
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise PhoneError(
            f"“{text[:40]}” is not a phone number we can call. Please include the area code,{hint}."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(
            f"“{text[:40]}” is not a complete, valid phone number. Please check it,{hint}."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def callback_ics(
    *,
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    url: str,
    stamp: datetime,
) -> bytes:
    """An iCalendar (RFC 5545) file with one event, times in UTC."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Callgate//Callbacks//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", icalendar.vDuration.from_ical("-PT10M"))
    event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()


PHONE_ERRORS = {
    "required": "Please enter the phone number we should call.",
    "max_length": "A phone number has at most 40 characters (this one has %(show_value)s).",
}


class CallNowForm(forms.Form):
    phone = forms.CharField(
        max_length=40,
        label="Phone number we should call",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages=PHONE_ERRORS,
    )


class CallbackBookForm(forms.Form):
    ASAP = "asap"

    phone = forms.CharField(
        max_length=40,
        label="Phone number we should call",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages=PHONE_ERRORS,
    )
    slot = forms.CharField(
        max_length=20,
        error_messages={"required": "Please pick a time or “as soon as possible”."},
    )

    def clean_slot(self) -> int | None:
        value = self.cleaned_data["slot"]
        if value == self.ASAP:
            return None
        if not value.isdigit():
            raise forms.ValidationError("Please pick one of the listed times.")
        return int(value)


class CallbackRescheduleForm(forms.Form):
    slot = forms.IntegerField(
        error_messages={
            "required": "Please pick one of the listed times.",
            "invalid": "Please pick one of the listed times.",
        }
    )


class DetailsForm(ImpactForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users_affected"].label = "How many users are affected now?"

    evidence = forms.CharField(
        required=False,
        max_length=5000,
        label="What changed? Error messages, what is blocked, since when",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            ("completed", "Completed"),
            ("no_answer_retry", "No answer — retry in the next free slot"),
            ("no_answer_async", "No answer — continue in writing"),
        ]
    )
    note = forms.CharField(required=False, max_length=500)
