"""``openclaw serve`` startup failures keep the exit-code contract: one readable line, exit 1 or 2.

Covers (through ``openclaw.cli.main.main``): a broken routing.yaml exits 2; an unusable
OPENCLAW_HOME (a file where the directory should be) exits 1; a port already in use exits
1, naming the port — never uvicorn's traceback and exit 3.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from openclaw.cli.main import main
from openclaw.settings import shipped_config_dir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_broken_routing_yaml_exits_2_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), cfg)
    (cfg / "routing.yaml").write_text("routes: [broken\n")
    assert main(["serve", "--config-dir", str(cfg), "--port", str(_free_port())]) == 2
    assert "routing.yaml" in _one_line(capsys.readouterr().err)


def test_unusable_home_exits_1_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("OPENCLAW_HOME", str(blocker))
    assert main(["serve", "--port", str(_free_port())]) == 1
    assert "OPENCLAW_HOME" in _one_line(capsys.readouterr().err)


def test_port_in_use_exits_1_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"127.0.0.1:{port}" in line and "in use" in line
