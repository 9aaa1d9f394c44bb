import pytest

from kb.rendering import render_markdown


@pytest.mark.parametrize(
    ("_case", "markdown", "forbidden"),
    [
        ("script tag", "Hi <script>alert(1)</script>", "<script"),
        ("javascript link", "[click](javascript:alert(1))", "javascript:"),
        ("onerror attribute", '<img src="x" onerror="alert(1)">', "onerror"),
        ("inline event on link", '<a href="https://x.test" onclick="steal()">x</a>', "onclick"),
        ("iframe", '<iframe src="https://evil.test"></iframe>', "<iframe"),
        ("style tag", "<style>body{display:none}</style>", "<style"),
        ("data url", "[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ],
)
def test_dangerous_markup_never_reaches_the_page(_case, markdown, forbidden):
    html = render_markdown(markdown)
    assert forbidden not in html.lower()


def test_markdown_features_survive_sanitizing():
    html = render_markdown(
        "## Reset\n\n1. Open **Settings**\n2. Click [Reset](https://help.test/reset)\n\n"
        "```\ncurl -X POST /reset\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h2>Reset</h2>" in html
    assert "<strong>Settings</strong>" in html
    assert 'href="https://help.test/reset"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<pre><code>curl -X POST /reset" in html
    assert "<td>1</td>" in html
