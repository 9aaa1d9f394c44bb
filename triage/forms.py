import json

from django import forms


def _json_object(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            f"This is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(data, dict):
        raise forms.ValidationError("This must be a JSON object.")
    return data


class SlaConfigForm(forms.Form):
    calendar = forms.CharField(
        label="Business calendar (JSON)",
        help_text='Timezone, "periods" per weekday ("09:00-12:30"), holiday_country, '
        "closed_dates, closures.",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        max_length=50_000,
    )
    targets = forms.CharField(
        label="Targets per tier (JSON)",
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        max_length=50_000,
    )
    ladder = forms.CharField(
        label="Escalation ladder (JSON)",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        max_length=50_000,
    )
    note = forms.CharField(label="What changed", max_length=200, required=False)

    def clean_calendar(self):
        return _json_object(self.cleaned_data["calendar"])

    def clean_targets(self):
        return _json_object(self.cleaned_data["targets"])

    def clean_ladder(self):
        return _json_object(self.cleaned_data["ladder"])


class PolicyForm(forms.Form):
    data = forms.CharField(
        label="Policy (JSON)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
        max_length=50_000,
    )
    note = forms.CharField(label="What changed", max_length=200, required=False)

    def clean_data(self):
        try:
            data = json.loads(self.cleaned_data["data"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"This is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError("The policy must be a JSON object.")
        return data
