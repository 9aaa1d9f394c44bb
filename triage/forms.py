import json

from django import forms


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
