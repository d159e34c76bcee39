"""`openclaw completion bash|zsh|tcsh`: shell completion generated from the parser (shtab).

Covers: the bash script, loaded into a real bash, completes commands, verbs, options and
file names for `run PATH`; zsh and tcsh scripts are produced and name every command; an
unknown shell is a usage error (exit 2).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from openclaw.cli.main import COMMAND_MODULES, main

REPO = Path(__file__).resolve().parents[2]


def _script(capsys, shell: str) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def _complete(script: Path, *words: str) -> list[str]:
    line = " ".join(words)
    cmd = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
           '_shtab_openclaw; printf "%s\\n" "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "-c", cmd], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_verbs_options_and_files(capsys, tmp_path):
    script = tmp_path / "openclaw.bash"
    script.write_text(_script(capsys, "bash"))
    assert _complete(script, "openclaw", "ru") == ["run", "runs"]
    assert set(_complete(script, "openclaw", "runs", "''")) >= {"list", "show", "resume", "export"}
    assert "--status" in _complete(script, "openclaw", "runs", "list", "--")
    assert _complete(script, "openclaw", "run", "examples/de") == ["examples/demo.json"]
    assert sorted(_complete(script, "openclaw", "completion", "''")) == ["bash", "tcsh", "zsh"]


@pytest.mark.parametrize("shell", ["zsh", "tcsh"])
def test_zsh_and_tcsh_scripts_name_every_command(capsys, shell):
    text = _script(capsys, shell)
    assert all(name in text for name in COMMAND_MODULES)


def test_an_unknown_shell_is_a_usage_error(capsys):
    assert main(["completion", "fish"]) == 2
    assert "invalid choice" in capsys.readouterr().err
