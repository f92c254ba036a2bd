"""Settings: application, mail (with a test email), file storage (with a connection test), batch API,
rate limits and trusted proxy headers. Superusers are managed as records of `_superusers`.

    GET  /_/settings                      settings (?section=application|mail|storage|batch|rate-limits|proxy)
    POST /_/settings/<section>            settings_save
    POST /_/settings/test-email           settings_test_email
    POST /_/settings/test-storage         settings_test_storage

The two test buttons do what `POST /api/settings/test/email|s3` do, through the same core functions.
Values are saved with `settings.update`, the service behind `PATCH /api/settings`; secrets (SMTP password,
S3 secret) are write-only: never rendered, and left unchanged when their input is left empty.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for

from baas.core import record_mails
from baas.errors import ApiError
from baas.core.files import test_s3

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


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/settings", "settings", settings)
    bp.add_url_rule("/settings/test-email", "settings_test_email", settings_test_email, methods=["POST"])
    bp.add_url_rule("/settings/test-storage", "settings_test_storage", settings_test_storage, methods=["POST"])
    bp.add_url_rule("/settings/<section>", "settings_save", settings_save, methods=["POST"])


def send_test_email(app, email: str, template: str) -> None:
    """What `POST /api/settings/test/email` does: one template to `email` now (ApiError on failure)."""
    record_mails.send_test(app, {"email": email, "template": template})


def test_storage(app) -> None:
    """What `POST /api/settings/test/s3` does for record files: write, read back and remove a probe."""
    test_s3(app, "storage")


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
    if not form.validate_on_submit():
        flash("Enter an email address to send the test email to.", "danger")
    else:
        try:
            send_test_email(core(), form.email.data, form.template.data)
        except ApiError as error:
            detail = f" ({error.cause})" if error.cause is not None else ""
            flash(f"Failed to send the test email: {error.message}{detail}", "danger")
        else:
            flash(f"Test email sent to {form.email.data}.", "success")
    return redirect(url_for("admin_ui.settings", section="mail"))


def settings_test_storage():
    form = TestStorageForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        test_storage(core())
    except ApiError as error:
        flash(f"S3 connection failed: {error.message}", "danger")
    else:
        flash("S3 connection succeeded.", "success")
    return redirect(url_for("admin_ui.settings", section="storage"))
