"""binder/ and the repository's address: the files Binder reads are consistent (the install itself is
reproduced by the slow tests/browser/test_binder.py)."""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
START = BINDER / "start"
PROXY_URL = "DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL"


def source_repo():
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Source"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", url)
    assert match, f"[project.urls] Source should be https://github.com/OWNER/NAME: {url!r}"
    return match.group(1)


def test_every_repository_link_names_the_pyproject_source():
    repo = source_repo()
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "notebooks").glob("*.ipynb"))]
    found = []
    for path in files:
        text = path.read_text()
        for match in re.finditer(r"(?:github\.com|mybinder\.org/v2/gh)/([\w.-]+/[\w.-]+?)(?:/|\)|\s|$|\.git)", text):
            found.append((path.name, match.group(1)))
    assert ("README.md", repo) in found, "the README's Binder links are missing"
    assert {r for _, r in found} == {repo}, found


def test_requirements_pin_torch_first_then_the_package_and_the_proxy():
    lines = [line.split("#")[0].strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("--")]
    assert lines[0] == "torch==2.13.0"
    assert lines[1].startswith(".[") and {"lab", "qpu", "export"} <= set(lines[1][2:-1].split(","))
    assert any(line.startswith("jupyter-server-proxy") for line in lines)
    assert re.fullmatch(r"python-3\.\d+", (BINDER / "runtime.txt").read_text().strip())


def test_lab_settings_override_known_settings():
    """Every overridden setting exists in the installed JupyterLab's schema, with a valid value."""
    overrides = json.loads((BINDER / "overrides.json").read_text())
    prefix_schemas = Path(os.sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        schema_file = prefix_schemas / package / f"{name}.json"
        assert schema_file.exists(), plugin
        props = json.loads(schema_file.read_text())["properties"]
        for key, value in values.items():
            spec = props[key]
            allowed = [o.get("const") for o in spec.get("oneOf", [])] or None
            assert allowed is None or value in allowed, (key, value, allowed)
    config = json.loads((BINDER / "jupyter_server_config.json").read_text())
    assert config["ServerApp"]["default_url"] == config["LabApp"]["default_url"] == "/lab/tree/notebooks/lab.ipynb"
    assert (ROOT / "notebooks" / "lab.ipynb").exists()


def start_env(**env):
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "DWAVE_INSPECTOR_", "BINDER_"))}
    out = subprocess.run(["bash", START, "env"], env={**keep, **env}, capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


@pytest.mark.parametrize("hub, expected", [
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x/", "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/"},
     "https://hub.example.org/user/ab-x/"),
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x/", "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example.org/hub/"},
     "https://hub.example.org/user/ab-x/"),
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x/", "JUPYTERHUB_HOST": "https://ab-x.hub.example.org"},
     "https://ab-x.hub.example.org/user/ab-x/"),
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x/"}, None),                 # no origin known: the lab fills it in
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x/", "JUPYTERHUB_HOST": "ab-x.hub.example.org"},
     "https://ab-x.hub.example.org/user/ab-x/"),                          # a bare host name
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x", "JUPYTERHUB_EXTERNAL_URL": "https://hub.example.org"},
     "https://hub.example.org/user/ab-x/"),                               # a prefix without its slash
    # mybinder.org as its pods see it: the public variables empty, the launcher's address set
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/qnn-lab-qnn_lab-x1y2/", "JUPYTERHUB_PUBLIC_URL": "",
      "JUPYTERHUB_PUBLIC_HUB_URL": "", "JUPYTERHUB_HOST": "", "JUPYTERHUB_BASE_URL": "/",
      "JUPYTERHUB_API_URL": "http://hub:8081/hub/api", "BINDER_LAUNCH_HOST": "https://mybinder.org/",
      "BINDER_REQUEST": "v2/gh/qnn-lab/qnn_lab/main", "BINDER_REPO_URL": "https://github.com/qnn-lab/qnn_lab"},
     None),
    ({}, None),                                                            # not on a hub
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ab-x/", "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/",
      PROXY_URL: "https://mine.example.org/x/"}, "https://mine.example.org/x/"),   # set by hand: kept
])
def test_start_sets_the_inspector_proxy_address_from_the_hub(hub, expected):
    assert start_env(**hub).get(PROXY_URL) == expected


def test_start_and_postbuild_are_executable_bash():
    for path in (START, BINDER / "postBuild"):
        assert os.access(path, os.X_OK) and path.read_text().startswith("#!/usr/bin/env bash")
        subprocess.run(["bash", "-n", path], check=True)
    assert "dwave install inspector --yes" in (BINDER / "postBuild").read_text()
