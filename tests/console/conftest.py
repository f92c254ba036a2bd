"""Fixtures for the console's test-client tests.

    console      a `Console` helper around a fresh test client (not signed in)
    signed_in    the same, signed in as the `superuser` fixture's account through the sign-in form

`Console.post(url, data)` reads the CSRF token from the page at `url` (or `token_from`) first, as a browser
would; `Console.post_raw` sends exactly what it is given.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

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


@pytest.fixture
def console(client) -> Console:
    return Console(client)


@pytest.fixture
def signed_in(console, superuser) -> Console:
    response = console.sign_in()
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return console


@pytest.fixture
def posts(core):
    """A `posts` collection with a field of most types, and a `tags` collection it relates to."""
    service = core.collections_service
    tags = service.create({"name": "tags", "type": "base", "fields": [{"name": "label", "type": "text", "presentable": True}]})
    return service.create(
        {
            "name": "posts",
            "type": "base",
            "listRule": None,
            "fields": [
                {"name": "title", "type": "text", "required": True},
                {"name": "views", "type": "number"},
                {"name": "published", "type": "bool"},
                {"name": "when", "type": "date"},
                {"name": "status", "type": "select", "values": ["draft", "live"], "maxSelect": 1},
                {"name": "meta", "type": "json"},
                {"name": "tags", "type": "relation", "collectionId": tags.id, "maxSelect": 5},
                {"name": "cover", "type": "file", "maxSelect": 1},
                {"name": "site", "type": "url"},
                {"name": "contact", "type": "email"},
                {"name": "body", "type": "editor"},
                {"name": "where", "type": "geoPoint"},
                {"name": "created", "type": "autodate", "onCreate": True},
                {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
            ],
        }
    )
