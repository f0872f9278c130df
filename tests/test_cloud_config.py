"""Community Cloud readiness that can be checked without leaving this machine.

Sources (Streamlit docs, deploy/streamlit-community-cloud): "Status and limitations" lists the
options Cloud sets itself, overriding ``config.toml``; "App dependencies" gives the order in
which Cloud looks for a dependency file; "Manage your app" gives the resource limits (2 cores,
2.7 GB memory). GitHub, which Cloud deploys from, rejects files over 100 MB and warns over 50 MB.
The installation itself (fresh Python 3.12 venvs, pip and uv) is ``bench/cloud_check.sh``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"

#: Set by Community Cloud whatever config.toml says ("Status and limitations" → Configuration).
CLOUD_OVERRIDES: dict[str, object] = {
    "client.showErrorDetails": False,
    "runner.fastReruns": True,
    "server.runOnSave": True,
    "server.enableXsrfProtection": True,
    "browser.gatherUsageStats": True,
}
#: A contrary value kept on purpose, with the reason: it only matters off Cloud.
CONTRARY_ON_PURPOSE = {
    "browser.gatherUsageStats": "off for the offline lecture hall; on Cloud, which turns it on, it is harmless",
}
#: Where and how the server listens is Cloud's business (its proxy, its port); setting these breaks or is ignored.
CLOUD_MANAGED = {
    "server.port",
    "server.address",
    "server.headless",
    "server.baseUrlPath",
    "server.enableCORS",
    "server.sslCertFile",
    "server.sslKeyFile",
    "server.cookieSecret",
    "browser.serverAddress",
    "browser.serverPort",
}
#: Cloud uses the first of these it finds (entrypoint folder, then repo root); requirements.txt must win.
DEPENDENCY_FILES_BEFORE_REQUIREMENTS = ("uv.lock", "Pipfile", "environment.yml", "environment.yaml")
GITHUB_FILE_WARNING_BYTES = 50 * 1024 * 1024
SHIPPED_DATA_BUDGET_BYTES = 100 * 1024 * 1024

PLATFORMS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "python_version": "3.12"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "python_version": "3.12"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "python_version": "3.12"},
}


def _config_settings() -> dict[str, object]:
    config = tomllib.loads(CONFIG.read_text())
    return {f"{section}.{key}": value for section, options in config.items() for key, value in options.items()}


def _requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


def _installed_for(platform: str) -> set[str]:
    environment = PLATFORMS[platform]
    return {
        canonicalize_name(req.name)
        for req in _requirements()
        if req.marker is None or req.marker.evaluate(environment)
    }


def test_config_options_all_exist_in_this_streamlit() -> None:
    from streamlit import config

    unknown = sorted(set(_config_settings()) - set(config._config_options_template))
    assert unknown == []


def test_config_sets_nothing_cloud_overrides_to_another_value() -> None:
    settings = _config_settings()
    contrary = {
        key: settings[key]
        for key, cloud_value in CLOUD_OVERRIDES.items()
        if key in settings and settings[key] != cloud_value and key not in CONTRARY_ON_PURPOSE
    }
    assert contrary == {}


def test_config_leaves_the_server_to_cloud() -> None:
    assert sorted(CLOUD_MANAGED & set(_config_settings())) == []


@pytest.mark.parametrize("platform, wheel, absent", [
    ("linux", "tensorflow-cpu", "tensorflow"),
    ("windows", "tensorflow-cpu", "tensorflow"),
    ("macos", "tensorflow", "tensorflow-cpu"),
])
def test_requirements_pick_the_right_tensorflow_per_platform(platform: str, wheel: str, absent: str) -> None:
    installed = _installed_for(platform)
    assert wheel in installed
    assert absent not in installed


def test_requirements_pin_streamlit_to_a_version_with_url_bound_widgets() -> None:
    (streamlit,) = [req for req in _requirements() if canonicalize_name(req.name) == "streamlit"]
    assert "1.66" not in streamlit.specifier and "1.67.0" in streamlit.specifier
    assert "3.0" not in streamlit.specifier, "an upper bound keeps Cloud from a surprise major upgrade"


def test_requirements_list_every_package_the_app_imports() -> None:
    sources = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "annviz").rglob("*.py")]
    imported: set[str] = set()
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    distributions = packages_distributions()
    third_party = {
        module: {canonicalize_name(name) for name in distributions[module]}
        for module in imported
        if module in distributions and module not in sys.stdlib_module_names and module not in {"annviz", "pages"}
    }
    listed = _installed_for("linux") | _installed_for("macos")
    missing = sorted(module for module, names in third_party.items() if not names & listed)
    assert missing == [], "imported by the app but not in requirements.txt"


def test_requirements_txt_is_the_dependency_file_cloud_uses() -> None:
    assert (ROOT / "requirements.txt").is_file()
    for folder in (ROOT,):  # app.py, the entrypoint, sits at the root
        assert [name for name in DEPENDENCY_FILES_BEFORE_REQUIREMENTS if (folder / name).exists()] == []


def _tracked_files() -> list[Path]:
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listing.decode().split("\0") if name and (ROOT / name).is_file()]


def test_every_tracked_file_is_well_under_githubs_limits() -> None:
    too_big = [str(path.relative_to(ROOT)) for path in _tracked_files() if path.stat().st_size > GITHUB_FILE_WARNING_BYTES]
    assert too_big == []


def test_shipped_data_and_models_are_real_files_within_budget() -> None:
    shipped = [p for p in _tracked_files() if p.suffix in {".npz", ".keras", ".h5", ".npy"}]
    assert any(p.name == "mnist.npz" for p in shipped)
    assert sum(p.stat().st_size for p in shipped) <= SHIPPED_DATA_BUDGET_BYTES
    for path in shipped:
        # npz and .keras are zip archives; a Git LFS pointer would be a small text file instead.
        assert path.read_bytes()[:2] == b"PK", f"{path.relative_to(ROOT)} is not the real file (an LFS pointer?)"


def test_no_page_relies_on_streamlit_magic() -> None:
    """config.toml turns magic off: a bare expression in a page (which magic would write to the
    screen) would then show nothing. Docstrings at the top of a body are not expressions magic shows."""
    import ast

    assert _config_settings()["runner.magicEnabled"] is False
    bare = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            body = getattr(node, "body", None)
            for index, statement in enumerate(body if isinstance(body, list) else []):
                if not isinstance(statement, ast.Expr) or isinstance(statement.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)):
                    continue
                if index == 0 and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str):
                    continue
                bare.append(f"{path.name}:{statement.lineno}")
    assert bare == []
