"""`pip install .` must ship every package and data file the server needs, not just what the checkout has."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: folders copied into the wheel's build tree: the package sources and what pyproject.toml reads
SOURCES = ("baas", "admin_ui", "plugins", "migrations", "pyproject.toml", "README.md")
REQUIRED_FILES = (
    "baas/migrations/env.py",
    "baas/migrations/script.py.mako",
    "baas/migrations/versions/0001_system_tables.py",
    "baas/schema/system_collections.json",
    "baas/cli.py",
)


def package_name(folder: Path) -> str:
    """The import name of a source folder, following pyproject's package-dir mapping."""
    relative = folder.relative_to(ROOT)
    for package, directory in PYPROJECT["tool"]["setuptools"].get("package-dir", {}).items():
        if relative.parts[: len(Path(directory).parts)] == Path(directory).parts:
            rest = relative.parts[len(Path(directory).parts) :]
            return ".".join((package, *rest))
    return ".".join(relative.parts)


def source_packages() -> set[str]:
    found = set()
    for top in ("baas", "admin_ui", "plugins", "migrations"):
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(package_name(init.parent))
    return found


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    missing = source_packages() - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_every_folder_with_python_modules_is_a_package():
    """A folder of modules without __init__.py would be left out of the wheel without any warning."""
    loose = sorted(
        str(folder.relative_to(ROOT))
        for top in ("baas", "admin_ui", "plugins", "migrations")
        for folder in {path.parent for path in (ROOT / top).rglob("*.py")}
        if "__pycache__" not in folder.parts and not (folder / "__init__.py").exists()
    )
    assert not loose, f"add an __init__.py to: {loose}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources, so the checkout gets no build/ or egg-info debris."""
    work = tmp_path_factory.mktemp("wheel")
    tree = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "*.egg-info")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=ignore)
        else:
            shutil.copy2(source, tree / name)
    out = work / "dist"
    # with build isolation, as `pip install .` does: the build backend comes from pyproject's build-system
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = out.glob("baas-*.whl")
    return built


def test_wheel_contains_migrations_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in REQUIRED_FILES if name not in names]
    assert not missing, missing
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "baas = baas.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_unpacked_wheel_runs_the_cli_and_its_migrations(wheel, tmp_path):
    """Import baas from the unpacked wheel only (not the checkout) and migrate a fresh SQLite database."""
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAAS_")}
    env["PYTHONPATH"] = str(unpacked)

    def python(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )

    where = python("-c", "import baas; print(baas.__file__)")
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(unpacked)), where.stdout

    help_run = python("-m", "baas.cli", "--help")
    assert help_run.returncode == 0, help_run.stderr
    assert "serve" in help_run.stdout

    up = python("-m", "baas.cli", "migrate", "up", "--dir", str(tmp_path / "data"))
    assert up.returncode == 0, up.stderr
    assert "base ->" in up.stdout


def test_dockerfile_copies_every_source_folder():
    """The image installs from copied folders; a package folder missing there would be missing in the image."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    folders = {"baas", *PYPROJECT["tool"]["setuptools"].get("package-dir", {}).values()}
    missing = [folder for folder in sorted(folders) if f"COPY {folder} ./{folder}" not in dockerfile]
    assert not missing, f"add COPY lines to the Dockerfile for: {missing}"


def test_wsgi_module_builds_the_app_from_the_environment(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAAS_")}
    env["BAAS_DATA_DIR"] = str(tmp_path / "data")
    code = "import wsgi; print(wsgi.app.extensions['baas'].config.data_dir)"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(tmp_path / "data")
