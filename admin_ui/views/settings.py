"""Settings: application, mail (with a test email), file storage (with a connection test), batch API,
rate limits and trusted proxy headers. Superusers are managed as records of `_superusers`.

    GET  /_/settings                      settings (?section=application|mail|storage|batch|rate-limits|proxy)
    POST /_/settings/<section>            settings_save
    POST /_/settings/test-email           settings_test_email
    POST /_/settings/test-storage         settings_test_storage

Values are saved with `settings.update`, the service behind `PATCH /api/settings`; secrets (SMTP password,
S3 secret) are write-only: never rendered, and left unchanged when their input is left empty.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from flask import Blueprint, abort, flash, redirect, request, url_for

from baas.errors import ApiError

from ..forms import SECTION_FORMS, TestEmailForm, TestStorageForm, apply_api_errors, fill_form, form_patch
from ..site import core, render

SECTION_TITLES = {
    "application": "Application",
    "mail": "Mail settings",
    "storage": "File storage",
    "batch": "Batch API",
    "rate-limits": "Rate limits",
    "proxy": "Trusted proxy",
}
#: where the send-test-email and test-S3 services are expected (built elsewhere); (module, function)
TEST_EMAIL_SERVICE = ("baas.api.settings_test", "send_test_email")
TEST_STORAGE_SERVICE = ("baas.api.settings_test", "test_s3")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/settings", "settings", settings)
    bp.add_url_rule("/settings/test-email", "settings_test_email", settings_test_email, methods=["POST"])
    bp.add_url_rule("/settings/test-storage", "settings_test_storage", settings_test_storage, methods=["POST"])
    bp.add_url_rule("/settings/<section>", "settings_save", settings_save, methods=["POST"])


def optional_service(location: tuple[str, str]) -> Callable | None:
    module_name, function = location
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    found = getattr(module, function, None)
    return found if callable(found) else None


def _stored(form) -> dict[str, Any]:
    return core().settings.get().get(form.section, {})


def _page(section: str, form=None, leftover: list[str] | None = None, status: int = 200):
    if section not in SECTION_FORMS:
        abort(404)
    if form is None:
        form = SECTION_FORMS[section]()
        fill_form(form, _stored(form))
    stored = core().settings.get()
    return render(
        "settings.html",
        title=SECTION_TITLES[section],
        section=section,
        sections=SECTION_TITLES,
        form=form,
        leftover=leftover or [],
        secret_set={
            "password": bool(stored.get("smtp", {}).get("password")),
            "secret": bool(stored.get("s3", {}).get("secret")),
        },
        test_email_form=TestEmailForm() if section == "mail" else None,
        test_storage_form=TestStorageForm() if section == "storage" else None,
        test_email_available=optional_service(TEST_EMAIL_SERVICE) is not None,
        test_storage_available=optional_service(TEST_STORAGE_SERVICE) is not None,
    ), status


def settings():
    return _page(request.args.get("section", "application"))


def settings_save(section: str):
    form_class = SECTION_FORMS.get(section)
    if form_class is None:
        abort(404)
    form = form_class()
    if not form.validate_on_submit():
        return _page(section, form, status=400)
    try:
        core().settings.update(form_patch(form))
    except ApiError as error:
        return _page(section, form, apply_api_errors(form, error, prefix=form.section), status=400)
    flash(f"{SECTION_TITLES[section]} saved.", "success")
    return redirect(url_for("admin_ui.settings", section=section))


def settings_test_email():
    form = TestEmailForm()
    service = optional_service(TEST_EMAIL_SERVICE)
    if not form.validate_on_submit():
        flash("Enter an email address to send the test email to.", "danger")
    elif service is None:
        flash("Sending test emails is not available in this build yet.", "warning")
    else:
        try:
            service(core(), form.email.data, form.template.data)
        except ApiError as error:
            flash(f"Failed to send the test email: {error.message}", "danger")
        else:
            flash(f"Test email sent to {form.email.data}.", "success")
    return redirect(url_for("admin_ui.settings", section="mail"))


def settings_test_storage():
    form = TestStorageForm()
    service = optional_service(TEST_STORAGE_SERVICE)
    if not form.validate_on_submit():
        abort(400)
    if service is None:
        flash("Testing the S3 connection is not available in this build yet.", "warning")
    else:
        try:
            service(core(), "storage")
        except ApiError as error:
            flash(f"S3 connection failed: {error.message}", "danger")
        else:
            flash("S3 connection succeeded.", "success")
    return redirect(url_for("admin_ui.settings", section="storage"))
