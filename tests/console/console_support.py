"""Test-client helpers for the console tests: a `Console` that posts like a browser, and a form reader.

`Console.post(url, data)` reads the CSRF token from the page at `url` (or `token_from`) first;
`Console.post_raw` sends exactly what it is given; `Console.form(url, testid)` returns what a browser would
post from the form marked `data-testid=<testid>`, to change and `submit`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SUPERUSER_EMAIL = "admin@example.com"
SUPERUSER_PASSWORD = "Passw0rd!23"
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Console:
    def __init__(self, client):
        self.client = client

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def text(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:2000])
        return response.get_data(as_text=True)

    def csrf(self, url: str) -> str:
        html = self.text(url)
        match = CSRF_PATTERN.search(html)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url: str, data=None, *, token_from: str | None = None, **kwargs):
        payload = dict(data or {}) if not isinstance(data, list) else list(data)
        token = self.csrf(token_from or url)
        if isinstance(payload, list):
            payload.append(("csrf_token", token))
        else:
            payload["csrf_token"] = token
        return self.client.post(url, data=_multidict(payload), **kwargs)

    def post_raw(self, url: str, data=None, **kwargs):
        return self.client.post(url, data=_multidict(data or {}), **kwargs)

    def form(self, url: str, testid: str) -> FormValues:
        """The values of a form as the page at `url` renders them (CSRF token included)."""
        return read_form(self.text(url), testid)

    def submit(self, url: str, values: FormValues, **kwargs):
        """Post `values` to the form's action (or `url`), as a browser would."""
        return self.client.post(values.action or url, data=_multidict(list(values.pairs)), **kwargs)

    def sign_in(self, email: str = SUPERUSER_EMAIL, password: str = SUPERUSER_PASSWORD):
        return self.post("/_/login", {"email": email, "password": password})


class FormValues:
    """What a browser would post from one `<form>`: an ordered list of (name, value) pairs."""

    def __init__(self, pairs: list[tuple[str, str]], action: str | None):
        self.pairs = pairs
        self.action = action

    def get(self, name: str, default=None):
        return next((value for key, value in self.pairs if key == name), default)

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def set(self, name: str, value: str | None) -> "FormValues":
        """Replace every value of `name` (None removes it, like unchecking a box)."""
        index = next((i for i, (key, _) in enumerate(self.pairs) if key == name), None)
        self.pairs = [(key, v) for key, v in self.pairs if key != name]
        if value is not None:
            self.pairs.insert(index if index is not None else len(self.pairs), (name, value))
        return self

    def add(self, name: str, value: str) -> "FormValues":
        self.pairs.append((name, value))
        return self

    def remove_prefix(self, prefix: str) -> "FormValues":
        self.pairs = [(key, v) for key, v in self.pairs if not key.startswith(prefix)]
        return self

    def names(self) -> list[str]:
        return [key for key, _ in self.pairs]


class _FormParser(HTMLParser):
    """Collects the successful controls of the form marked `data-testid=<testid>` (never inside <template>)."""

    def __init__(self, testid: str):
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.depth_in_form = 0
        self.in_template = 0
        self.pairs: list[tuple[str, str]] = []
        self.action: str | None = None
        self.select: str | None = None
        self.select_first: tuple[str, str] | None = None
        self.select_chosen = False
        self.select_multiple = False
        self.textarea: str | None = None
        self.text: list[str] = []
        self.option_value: str | None = None
        self.option_selected = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self.in_template += 1
        if tag == "form":
            if attrs.get("data-testid") == self.testid and self.depth_in_form == 0:
                self.depth_in_form = 1
                self.action = attrs.get("action")
            return
        if not self.depth_in_form or self.in_template:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.pairs.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset"):
                self.pairs.append((name, attrs.get("value", "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select, self.select_first, self.select_chosen = name, None, False
            self.select_multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            self.option_value = attrs.get("value")
            self.option_selected = "selected" in attrs
            self.text = []
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea is not None or self.option_value is not None or self.select:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1
        elif tag == "form" and self.depth_in_form:
            self.depth_in_form = 0
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.pairs.append((self.textarea, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "option" and self.select:
            value = self.option_value if self.option_value is not None else "".join(self.text).strip()
            if self.select_first is None:
                self.select_first = (self.select, value)
            if self.option_selected:
                self.pairs.append((self.select, value))
                self.select_chosen = True
            self.option_value = None
        elif tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None and not self.select_multiple:
                self.pairs.append(self.select_first)
            self.select = None


def read_form(html: str, testid: str) -> FormValues:
    parser = _FormParser(testid)
    parser.feed(html)
    assert parser.action is not None or parser.pairs, f"no form with data-testid={testid!r}"
    return FormValues(parser.pairs, parser.action)


def _multidict(payload):
    from werkzeug.datastructures import MultiDict

    if isinstance(payload, list):
        return MultiDict(payload)
    return payload
