"""allauth hook: a new customer joins the organization that owns their email domain."""

from allauth.account.adapter import DefaultAccountAdapter

from portal.services import membership_create_for_signup


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            membership_create_for_signup(user=user)
        return user
