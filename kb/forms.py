from django import forms

from kb.models import Article
from portal.forms import NonBlankCharField


class ArticleForm(forms.Form):
    title = NonBlankCharField(max_length=200, label="Title")
    summary = forms.CharField(max_length=300, required=False, label="Summary")
    body = NonBlankCharField(
        max_length=100_000,
        label="Body (Markdown)",
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    product_area = forms.ChoiceField(choices=Article.ProductArea.choices, label="Product area")
    language = forms.ChoiceField(choices=Article.Language.choices, label="Language")
    tags = forms.CharField(
        max_length=300, required=False, label="Tags", help_text="Comma-separated."
    )
    note = forms.CharField(max_length=200, required=False, label="What changed (optional)")

    def clean_tags(self):
        raw = self.cleaned_data["tags"]
        return sorted({tag.strip().lower() for tag in raw.split(",") if tag.strip()})


class ArticleFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    status = forms.ChoiceField(
        choices=[("", "Any status")] + list(Article.Status.choices), required=False, label="Status"
    )
    product_area = forms.ChoiceField(
        choices=[("", "Any area")] + list(Article.ProductArea.choices),
        required=False,
        label="Product area",
    )


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        label="Was this helpful?",
    )
    reason = forms.CharField(max_length=500, required=False, label="What was missing? (optional)")
