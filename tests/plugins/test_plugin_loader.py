"""Discovery and validation (baas/hooks/loader.py): a plugins folder, entry points, bundled plugins,
enabling and disabling, and the one clear `PluginLoadError` a broken plugin stops startup with."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest
from plugin_support import entry_point_dir, write_plugin

from baas.hooks.loader import PluginLoadError, bundled_names

ROUTE_PLUGIN = """
    from flask import Blueprint

    from baas.plugin_api import hookimpl, json_response

    bp = Blueprint("{name}", __name__)


    @bp.get("/api/{name}")
    def answer():
        return json_response({{"plugin": "{name}"}})


    @hookimpl
    def baas_serve(app, flask_app):
        flask_app.register_blueprint(bp)
"""


def route_plugin(name: str) -> str:
    return ROUTE_PLUGIN.format(name=name)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "plugins"


@pytest.fixture
def entry_point(tmp_path, monkeypatch):
    """Install (on sys.path) a distribution whose `baas.plugins` entry point `epdemo` is a module."""
    module = f"baas_ep_demo_{tmp_path.name.replace('-', '_')}"
    root = entry_point_dir(tmp_path / "site", "epdemo", module, route_plugin("epdemo"))
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    yield module
    sys.modules.pop(module, None)


def plugin_names(core) -> set[str]:
    return {name for name, _plugin in core.hooks.pm.list_name_plugin() if not name.startswith("baas.")}


# ---- discovery ---------------------------------------------------------------------------------------
def test_files_and_packages_in_the_plugins_folder_are_loaded(app_factory, folder):
    write_plugin(folder, "single", route_plugin("single"))
    (folder / "packaged").mkdir()
    (folder / "packaged" / "routes.py").write_text(textwrap.dedent(route_plugin("packaged")))
    (folder / "packaged" / "__init__.py").write_text("from .routes import baas_serve  # noqa: F401\n")
    write_plugin(folder, "_private", "raise RuntimeError('never imported')")
    (folder / "notes.txt").write_text("not a plugin")
    client = app_factory(plugins_dir=str(folder)).test_client()
    assert client.get("/api/single").get_json() == {"plugin": "single"}
    assert client.get("/api/packaged").get_json() == {"plugin": "packaged"}


def test_a_missing_plugins_folder_is_fine(app_factory, tmp_path):
    core = app_factory(plugins_dir=str(tmp_path / "nowhere")).extensions["baas"]
    assert plugin_names(core) == set()


def test_an_installed_entry_point_is_loaded(app_factory, entry_point):
    flask_app = app_factory()
    assert flask_app.test_client().get("/api/epdemo").get_json() == {"plugin": "epdemo"}
    assert "epdemo" in plugin_names(flask_app.extensions["baas"])


def test_disabled_plugins_are_skipped_whatever_their_source(app_factory, folder, entry_point):
    write_plugin(folder, "single", route_plugin("single"))
    flask_app = app_factory(plugins_dir=str(folder), plugins_disabled=("single", "epdemo"))
    assert plugin_names(flask_app.extensions["baas"]) == set()
    assert flask_app.test_client().get("/api/single").status_code == 404


def test_bundled_plugins_are_opt_in(app_factory):
    assert set(bundled_names()) >= {"audit_log", "webhooks", "hello"}
    assert plugin_names(app_factory().extensions["baas"]) == set()
    enabled = app_factory(plugins_enabled=("hello",))
    assert "hello" in plugin_names(enabled.extensions["baas"])
    assert enabled.test_client().get("/api/hello/you").status_code == 200


def test_disabling_wins_over_enabling(app_factory):
    core = app_factory(plugins_enabled=("hello",), plugins_disabled=("hello",)).extensions["baas"]
    assert plugin_names(core) == set()


def test_the_environment_enables_and_disables(tmp_path):
    from baas import load_config

    config = load_config(tmp_path / "d", env={"BAAS_PLUGINS_ENABLED": "audit_log, hello", "BAAS_PLUGINS_DISABLED": "x,,y"})
    assert config.plugins_enabled == ("audit_log", "hello")
    assert config.plugins_disabled == ("x", "y")


def test_folder_plugins_register_after_installed_ones_so_their_hooks_run_first(app_factory, folder, entry_point):
    write_plugin(folder, "single", route_plugin("single"))
    core = app_factory(plugins_dir=str(folder), plugins_enabled=("hello",)).extensions["baas"]
    names = [name for name, _ in core.hooks.pm.list_name_plugin() if not name.startswith("baas.")]
    assert names == ["hello", "epdemo", "single"]


def test_register_app_returns_a_per_app_plugin_object(app_factory, folder):
    write_plugin(
        folder,
        "stateful",
        """
        from baas.plugin_api import hookimpl


        class Counter:
            def __init__(self, app):
                self.app = app
                self.bootstrapped = 0

            @hookimpl
            def baas_bootstrap(self, app):
                assert app is self.app
                self.bootstrapped += 1


        def register(app):
            return Counter(app)
        """,
    )
    first = app_factory(plugins_dir=str(folder)).extensions["baas"]
    second = app_factory(plugins_dir=str(folder)).extensions["baas"]
    counters = [core.hooks.pm.get_plugin("stateful:Counter") for core in (first, second)]
    assert counters[0] is not counters[1]
    assert [counter.bootstrapped for counter in counters] == [1, 1]


# ---- validation: a broken plugin stops startup with one message naming plugin and hook ----------------
BROKEN = {
    "unknown_hook": (
        "from baas.plugin_api import hookimpl\n@hookimpl\ndef baas_record_creat(event):\n    pass\n",
        "plugin 'broken', hook 'baas_record_creat': no such hook (did you mean 'baas_record_create'?)",
    ),
    "wrong_signature": (
        "from baas.plugin_api import hookimpl\n@hookimpl\ndef baas_record_create(evnt):\n    pass\n",
        "plugin 'broken', hook 'baas_record_create': baas_record_create(evnt) asks for argument(s) {'evnt'} "
        "that the hook does not have; the hook is baas_record_create(event)",
    ),
    "unmarked": (
        "def baas_record_create(event):\n    pass\n",
        "plugin 'broken', hook 'baas_record_create': named like a hook but not marked with @hookimpl",
    ),
    "import_error": (
        "import not_a_module_anywhere\n",
        "plugin 'broken': failed to import {path}: ModuleNotFoundError: No module named 'not_a_module_anywhere'",
    ),
    "register_fails": (
        "def register(app):\n    raise ValueError('missing API key')\n",
        "plugin 'broken': register(app) failed: ValueError: missing API key",
    ),
    "wrapper_not_generator": (
        "from baas.plugin_api import hookimpl\n@hookimpl(wrapper=True)\ndef baas_record_create(event):\n    pass\n",
        "plugin 'broken', hook 'baas_record_create': hookimpl definition: baas_record_create(event) "
        "Declared as wrapper=True or hookwrapper=True but function is not a generator function",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_plugin_stops_startup_with_a_clear_message(app_factory, folder, case):
    source, message = BROKEN[case]
    path = write_plugin(folder, "broken", source)
    with pytest.raises(PluginLoadError) as raised:
        app_factory(plugins_dir=str(folder))
    assert str(raised.value) == message.replace("{path}", str(path))
    assert raised.value.plugin == "broken"


def test_an_unknown_bundled_plugin_is_an_error(app_factory):
    with pytest.raises(PluginLoadError, match=r"plugin 'nope': no bundled plugin of that name \(bundled: .*hello"):
        app_factory(plugins_enabled=("nope",))


def test_two_plugins_with_one_name_are_an_error(app_factory, folder, entry_point):
    write_plugin(folder, "epdemo", route_plugin("other"))
    with pytest.raises(PluginLoadError, match=r"plugin 'epdemo': two plugins have this name \(entry point .* and folder .*epdemo.py\)"):
        app_factory(plugins_dir=str(folder))


def test_a_disabled_broken_plugin_does_not_stop_startup(app_factory, folder):
    write_plugin(folder, "broken", BROKEN["unknown_hook"][0])
    assert app_factory(plugins_dir=str(folder), plugins_disabled=("broken",)) is not None


def test_a_failing_bootstrap_hook_stops_startup(app_factory, folder):
    write_plugin(folder, "boom", "from baas.plugin_api import hookimpl\n@hookimpl\ndef baas_bootstrap(app):\n    raise RuntimeError('no')\n")
    with pytest.raises(RuntimeError, match="no"):
        app_factory(plugins_dir=str(folder))


def test_every_bundled_plugin_is_packaged():
    """A bundled plugin missing from pyproject's packages would be missing from the wheel and the image."""
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    packages = set(pyproject["tool"]["setuptools"]["packages"])
    assert {f"baas.plugins.{name}" for name in bundled_names()} <= packages
