"""Demo help-centre articles for ``manage.py seed_demo`` (published, idempotent by title)."""

from kb import services
from kb.models import Article

ARTICLES = [
    ("Reset your password", "account", "Forgotten password or locked out of your account.",
     "## Reset your password\n\nOpen **Settings → Security** and click **Reset password**. We "
     "email you a link that is valid for 30 minutes.\n\n## Still locked out?\n\nAfter five failed "
     "attempts your account is locked for 15 minutes. Your organization admin can unlock it "
     "sooner under **Admin → Users**."),
    ("SSO sign-in fails with AUTH-403", "account", "What AUTH-403 means and how to fix SAML.",
     "## What AUTH-403 means\n\nYour identity provider (Okta, Azure AD, Google) rejected the "
     "SAML assertion. This usually happens after a certificate rotation.\n\n## Fix\n\n1. Ask "
     "your IdP admin to download our new SAML metadata from **Admin → SSO**.\n2. Re-upload it "
     "in the IdP.\n3. Sign in again. Password sign-in keeps working meanwhile."),
    ("Export a report to CSV", "reporting", "Download any report as CSV or Excel.",
     "Open the report and choose **Export → CSV** in the top-right menu. Exports larger than "
     "50,000 rows are emailed to you as a ZIP file within 10 minutes.\n\n## Scheduled "
     "exports\n\nUse **Schedule** to email a report every day, week or month."),
    ("Scheduled report did not arrive", "reporting", "Check the schedule, recipients and spam.",
     "## Check the schedule\n\nOpen **Reports → Schedules** and confirm the time zone and the "
     "recipients.\n\n## Check spam filters\n\nReports come from reports@callgate.test; ask IT "
     "to allow it."),
    ("API rate limits and HTTP 429", "api", "Limits per plan and how to back off.",
     "Each API key may send 600 requests a minute (Business) or 3,000 (Enterprise). Above that "
     "the API answers **429 Too Many Requests** with a `Retry-After` header.\n\n## Best "
     "practice\n\nBack off exponentially, batch writes with the bulk endpoints, and sync "
     "incrementally with `updated_since`."),
    ("Webhooks are delayed or missing", "api", "Delivery retries and the webhook log.",
     "Webhooks are retried with backoff for 24 hours. Open **Integrations → Webhooks → Log** "
     "to see each attempt and the response your endpoint returned.\n\n## Common causes\n\n"
     "Your endpoint answers slower than 10 seconds, or returns a 5xx status."),
    ("Change the logo on your portal", "general", "Upload your brand logo and colours.",
     "Go to **Admin → Branding**, upload a PNG or SVG up to 2 MB, and click **Save**. The new "
     "logo appears within a minute for all users."),
    ("Update billing details and VAT number", "billing", "Invoices, VAT and payment methods.",
     "Billing admins can change the company address, VAT number and payment method under "
     "**Admin → Billing**. Changes apply to the next invoice; to correct a past invoice, open "
     "a request with the invoice number."),
    ("Add or remove users", "account", "Invite colleagues and manage roles.",
     "Organization admins invite people under **Admin → Users → Invite**. To make someone an "
     "administrator, open their profile and change the role."),
    ("Is there a status page?", "general", "Subscribe to incident updates.",
     "Yes: status.callgate.test shows current incidents and maintenance. Subscribe by email or "
     "RSS to hear about incidents as they happen."),
]  # fmt: skip


def seed_articles(*, editor, reviewer) -> int:
    """Write and publish (through the real workflow) the demo articles that are missing;
    returns how many were created."""
    created = 0
    for title, area, summary, body in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        article = services.article_create(
            editor=editor, title=title, body=body, summary=summary, product_area=area
        )
        services.article_transition(article=article, action="submit", actor=editor)
        services.article_transition(article=article, action="approve", actor=reviewer)
        created += 1
    return created
