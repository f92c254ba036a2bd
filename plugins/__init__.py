"""Bundled plugins, opt-in: `BAAS_PLUGINS_ENABLED=audit_log,webhooks,hello` (see docs/plugins.md).

Each subpackage is an ordinary plugin, loaded by `baas.hooks.loader` only when named in
`config.plugins_enabled`: `audit_log` (every record change into the `audit_log` collection), `webhooks`
(signed HTTP POSTs on record events, configured in the `webhooks` collection) and `hello` (custom routes).
"""
