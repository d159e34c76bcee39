"""The user's config dir, through main().

Covers: `approvers add` with no config dir given writes OPENCLAW_HOME/configs (seeded from
the shipped YAML files), never the shipped configs/, and later commands read that dir;
naming the shipped configs/ explicitly is refused (exit 2, file untouched); OPENCLAW_CONFIG_DIR
and --config-dir win over the user's dir; `-v` (before or after the command) says on stderr
which config dir was read and why; bare `openclaw` prints the help and exits 0; Settings built in
code write the directory they point at.
"""

from __future__ import annotations

from pathlib import Path

from openclaw.cli.main import main
from openclaw.settings import load_settings, shipped_config_dir


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _key(capsys, tmp_path: Path, name: str = "alice") -> str:
    assert run(capsys, "keys", "generate", name, "--out", str(tmp_path / "k"))[0] == 0
    return str(tmp_path / "k" / f"{name}.pub")


def test_approvers_add_seeds_the_user_dir_and_leaves_the_shipped_configs_alone(tmp_path, capsys, clean_environ):
    shipped = shipped_config_dir() / "approvers.yaml"
    before = shipped.read_bytes()
    pub = _key(capsys, tmp_path)

    code, out, err = run(capsys, "approvers", "add", "alice", "--public-key", pub, "--group", "sre")
    user = clean_environ / "configs"
    assert code == 0, err
    assert shipped.read_bytes() == before
    assert f"created {user} from the shipped defaults" in out and f"in {user / 'approvers.yaml'}" in out
    assert {p.name for p in user.iterdir()} >= {"routing.yaml", "trust.yaml", "providers.yaml", "approvers.yaml"}
    assert "alice" in (user / "approvers.yaml").read_text()

    code, out, err = run(capsys, "approvers", "list", "-v")
    assert code == 0 and "alice\tSHA256:" in out
    assert f"openclaw: config dir: {user} (the user's config dir under OPENCLAW_HOME)" in err
    assert load_settings().config_dir == user

    code, out, _ = run(capsys, "approvers", "add", "bob", "--public-key", _key(capsys, tmp_path, "bob"))
    assert code == 0 and "created" not in out and shipped.read_bytes() == before


def test_the_shipped_configs_are_never_written_even_when_named(tmp_path, capsys, monkeypatch):
    shipped = shipped_config_dir()
    before = (shipped / "approvers.yaml").read_bytes()
    pub = _key(capsys, tmp_path)
    code, out, err = run(capsys, "approvers", "add", "alice", "--public-key", pub, "--config-dir", str(shipped))
    assert code == 2 and out == "" and "read-only" in err and err.count("\n") == 1
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(shipped))
    assert run(capsys, "approvers", "add", "alice", "--public-key", pub)[0] == 2
    assert (shipped / "approvers.yaml").read_bytes() == before


def test_config_dir_flag_and_env_win_over_the_user_dir(tmp_path, capsys, clean_environ, monkeypatch):
    (clean_environ / "configs").mkdir(parents=True)
    mine = tmp_path / "mine"
    mine.mkdir()
    code, _, err = run(capsys, "-v", "policy", "check", "--config-dir", str(mine))
    assert f"config dir: {mine} (from --config-dir)" in err
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(mine))
    assert load_settings().config_source == "OPENCLAW_CONFIG_DIR"
    code, _, err = run(capsys, "policy", "check", "-v")
    assert f"config dir: {mine} (from OPENCLAW_CONFIG_DIR)" in err
    monkeypatch.delenv("OPENCLAW_CONFIG_DIR")
    assert load_settings().config_dir == clean_environ / "configs"


def test_without_verbose_nothing_is_said_about_the_config_dir(capsys):
    code, _, err = run(capsys, "policy", "check")
    assert code == 0 and "config dir:" not in err


def test_bare_openclaw_prints_the_help(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: openclaw") and "run incidents through the decision pipeline" in out


def test_a_settings_tree_built_by_hand_writes_where_it_points(tmp_path):
    """Settings made in code (source left at its default) still write their own dir, never the shipped one."""
    from openclaw.config.userdir import writable_config_dir
    from openclaw.settings import Settings

    mine = tmp_path / "mine"
    mine.mkdir()
    assert writable_config_dir(Settings(config_dir=mine, home=tmp_path / "h")) == (mine, False)
    target, seeded = writable_config_dir(Settings(home=tmp_path / "h"))
    assert (target, seeded) == (tmp_path / "h" / "configs", True) and (target / "trust.yaml").is_file()
