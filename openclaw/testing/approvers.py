"""A config directory with registered approvers and their private keys, for tests of the approval flow."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import yaml

from openclaw.approvals.approvers import add_approver
from openclaw.approvals.keys import generate_keypair
from openclaw.settings import shipped_config_dir


def config_with_approvers(
    tmp_path: Path, people: Mapping[str, list[str]], *, tiers: Mapping[str, str] | None = None
) -> tuple[Path, dict[str, Path]]:
    """Copy the shipped configs to ``tmp_path/configs``, give each person (name -> groups) a key pair
    in ``tmp_path/keys`` registered in approvers.yaml, and set ``tiers`` (e.g. ``{"standard": "2 from
    group sre"}``). Returns the config directory and each person's private key path."""
    config_dir = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), config_dir, dirs_exist_ok=True)
    keys: dict[str, Path] = {}
    for name, groups in people.items():
        pair = generate_keypair(name, tmp_path / "keys")
        add_approver(config_dir / "approvers.yaml", name, pair.public_key, list(groups))
        keys[name] = pair.private_path
    if tiers is not None:
        path = config_dir / "approvers.yaml"
        data = yaml.safe_load(path.read_text())
        data["tiers"] = dict(tiers)
        path.write_text(yaml.safe_dump(data))
    return config_dir, keys


def store_approvals(approvals: Any, run: Mapping, keys: Mapping[str, Path], *, now: datetime | None = None) -> int:
    """Sign every waiting action of ``run`` (a run result or checkpoint values) with each person's key and
    store the decisions in the approvals store, as ``openclaw approve`` would before the run is resumed.
    Returns how many decisions were stored. The gate verifies them itself when the run is woken."""
    from openclaw.signoff import sign_for_run

    store, stored = approvals, 0
    for name, key in keys.items():
        for decision in sign_for_run(dict(run), key, kind="approve", approver=name, now=now):
            stored += store.add(name, decision, received_at=decision.signed_at)
    return stored
