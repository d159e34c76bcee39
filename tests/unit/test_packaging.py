"""What ships: the wheel carries the configs, and the image agrees with the Kubernetes manifest.

Covers: `uv build --wheel` (offline) puts configs/*.yaml under openclaw/_configs (and
declares kmock as the optional extra `openclaw[testing]`, not a dependency), and an
unpacked wheel finds them through `shipped_config_dir()` (not the checkout's configs/);
the Dockerfile's EXPOSE, ENTRYPOINT/CMD, user, and OPENCLAW_HOME match
configs/k8s/deployment.yaml (container port, args, runAsUser, env and state volume), and
the manifest's probe paths are routes the service serves. Docker cannot run here: these
check that the files agree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ("routing.yaml", "trust.yaml", "providers.yaml", "approvers.yaml", "executor.yaml")


def _uv() -> list[str] | None:
    found = shutil.which("uv")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return [found]
    local = ROOT / ".tools" / "bin" / "uv"
    if local.is_file():
        return [str(local)]
    for python in (sys.executable, "python3"):
        if subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode == 0:
            return [python, "-m", "uv"]
    return None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = _uv()
    if uv is None:
        pytest.skip("no uv on PATH, in .tools/bin or as `python -m uv`: cannot build the wheel")
    out = tmp_path_factory.mktemp("dist")
    # --offline: tests never reach the network; hatchling comes from uv's cache.
    done = subprocess.run([*uv, "build", "--wheel", "--offline", "--out-dir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "offline" in (done.stderr + done.stdout).lower():
        pytest.skip(f"hatchling is not in uv's cache and tests stay offline; run `uv build --wheel` once: "
                    f"{done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    [built] = out.glob("openclaw-*.whl")
    return built


def test_wheel_ships_the_configs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in CONFIGS:
        assert f"openclaw/_configs/{name}" in names, sorted(n for n in names if "_configs" in n)
    assert "openclaw/prompts/decide.md" in names


def test_wheel_ships_the_approvals_page(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "app.js", "app.css"):
        assert f"openclaw/server/static/{name}" in names, sorted(n for n in names if "static" in n)


def test_wheel_ships_the_postgres_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith("openclaw/storage/postgres/migrations/")}
    in_tree = {p.name for p in (ROOT / "openclaw/storage/postgres/migrations").glob("*.sql")}
    assert in_tree and shipped == in_tree


def test_kmock_is_the_testing_extra(wheel: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extra = project["project"]["optional-dependencies"]["testing"]
    assert any(req.startswith("kmock") for req in extra)
    assert any(req.startswith("kmock") for req in project["dependency-groups"]["dev"])
    assert not any(req.startswith("kmock") for req in project["project"]["dependencies"])
    [meta] = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA")]
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Provides-Extra: testing" in text
    assert re.search(r"^Requires-Dist: kmock>=0\.8; extra == ['\"]testing['\"]$", text, flags=re.M), text


def test_unpacked_wheel_finds_its_configs(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import json, openclaw.settings as s; d = s.shipped_config_dir(); "
            "print(json.dumps([str(d), sorted(p.name for p in d.glob('*.yaml'))]))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("OPENCLAW_CONFIG_DIR", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    where, files = json.loads(done.stdout)
    assert Path(where) == site / "openclaw" / "_configs"
    assert set(CONFIGS) <= set(files)


# --- Dockerfile vs configs/k8s/deployment.yaml -------------------------------------------


def _dockerfile() -> dict[str, Any]:
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)  # continuation lines
    lines = [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]

    def last(instruction: str) -> str:
        found = [ln.split(None, 1)[1] for ln in lines if ln.split(None, 1)[0].upper() == instruction]
        assert found, f"Dockerfile has no {instruction}"
        return found[-1]

    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(ln.split(None, 1)[1] for ln in lines
                                                   if ln.split(None, 1)[0].upper() == "ENV")))
    return {"from": last("FROM"), "expose": last("EXPOSE"), "user": last("USER"), "env": env,
            "entrypoint": json.loads(last("ENTRYPOINT")), "cmd": json.loads(last("CMD")),
            "runs": [ln for ln in lines if ln.upper().startswith("RUN ")]}


def _deployment() -> dict[str, Any]:
    docs = list(yaml.safe_load_all((ROOT / "configs" / "k8s" / "deployment.yaml").read_text()))
    return next(d for d in docs if d and d.get("kind") == "Deployment")


def test_dockerfile_builds_what_the_design_says() -> None:
    df = _dockerfile()
    assert df["from"].startswith("python:3.11-slim")
    assert df["entrypoint"] == ["openclaw"]
    assert df["cmd"] == ["serve", "--host", "0.0.0.0", "--port", "8080"]
    assert df["env"]["OPENCLAW_HOME"] == "/var/lib/openclaw"
    assert any("uv sync --frozen --no-dev" in r for r in df["runs"])
    assert df["user"] not in ("root", "0")


def test_dockerfile_and_manifest_agree() -> None:
    df, dep = _dockerfile(), _deployment()
    pod = dep["spec"]["template"]["spec"]
    [container] = pod["containers"]
    # The manifest runs the image's command: same args (or none, and the CMD applies).
    args = container.get("args") or df["cmd"]
    assert container.get("command") in (None, df["entrypoint"])
    assert args == df["cmd"]
    port = int(args[args.index("--port") + 1])
    assert int(df["expose"].split("/")[0]) == port
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == port
    # Probes hit routes the service has, on that port.
    from openclaw.server.routes_health import router

    routes = {r.path for r in router.routes}
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] in routes and get["port"] in ("http", port)
    # Same non-root user, and the state directory is where the volume is mounted.
    assert str(pod["securityContext"]["runAsUser"]) == df["user"].split(":")[0]
    env = {e["name"]: e.get("value") for e in container.get("env") or []}
    home = env.get("OPENCLAW_HOME", df["env"]["OPENCLAW_HOME"])
    assert home == df["env"]["OPENCLAW_HOME"]
    assert home in {m["mountPath"] for m in container["volumeMounts"]}
    assert dep["spec"]["template"]["spec"]["serviceAccountName"] == "openclaw"


def test_dockerignore_keeps_the_build_context_small() -> None:
    ignored = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")}
    assert {".git", ".venv", "tests"} <= ignored
    copied = re.findall(r"^COPY\s+(.+?)\s+\S+$", (ROOT / "Dockerfile").read_text(), flags=re.M)
    for sources in copied:
        for source in sources.split():
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"
            assert source not in ignored
