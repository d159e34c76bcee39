"""openclaw.approvals.approvers: loading, validating and filling in approvers.yaml.

Covers: an empty file, empty sections and the shipped file load; tier shorthand
('2', '2 from group sre') and long form; quorum 0 and quorum above the eligible people
are refused naming the file, the tier and the numbers, and a second key of one person
does not inflate the count; duplicate keys, unknown fields, bad keys, bad YAML, bad
veto thresholds and a missing file are refused with PolicyError; find_by_key matches a
key line (any comment) or a fingerprint; eligible() filters by group; add_approver
creates the file, keeps other entries, tiers and the header comment, refuses a key twice,
lets a second key join an existing person (inheriting groups) and defers the quorum check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from openclaw.approvals.approvers import (
    Tier,
    add_approver,
    key_fingerprint,
    load_approvers,
    parse_approvers,
    quorum_problems,
)
from openclaw.approvals.keys import generate_keypair
from openclaw.errors import PolicyError, UsageError
from openclaw.settings import shipped_config_dir


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    out = tmp_path_factory.mktemp("keys")
    return {name: generate_keypair(name, out) for name in ("alice", "alice2", "bob", "carol", "dave")}


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "approvers.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def entry(keys, key, name=None, groups=("sre",)):
    return {"name": name or key, "public_key": keys[key].public_key, "groups": list(groups)}


@pytest.mark.parametrize(
    "text",
    ["", "# nobody yet\n", "version: 1\napprovers: []\ntiers: {}\n", "approvers:\ntiers:\n", "veto_threshold: 1\n"],
)
def test_fresh_install_files_load(tmp_path, text):
    config = load_approvers(write(tmp_path, text))
    assert config.approvers == [] and config.tiers == {} and config.veto_threshold == 1


@pytest.mark.skipif(not (shipped_config_dir() / "approvers.yaml").exists(), reason="configs/approvers.yaml not shipped yet")
def test_the_shipped_file_loads():
    load_approvers(shipped_config_dir() / "approvers.yaml")


def test_tiers_in_shorthand_and_long_form(tmp_path, keys):
    path = write(
        tmp_path,
        {
            "approvers": [entry(keys, "alice"), entry(keys, "bob"), entry(keys, "carol", groups=["dba"])],
            "tiers": {
                "medium": 1,
                "low": "1",
                "high": "2 from group sre",
                "short": "2 from sre",
                "critical": {"quorum": 3},
                "db": {"quorum": 1, "group": "dba"},
            },
        },
    )
    tiers = load_approvers(path).tiers
    assert tiers["medium"] == Tier(quorum=1) == tiers["low"]
    assert tiers["high"] == Tier(quorum=2, group="sre") == tiers["short"]
    assert tiers["critical"] == Tier(quorum=3, group=None)
    assert tiers["db"] == Tier(quorum=1, group="dba")


def test_quorum_zero_is_refused_naming_file_and_tier(tmp_path, keys):
    path = write(tmp_path, {"approvers": [entry(keys, "alice")], "tiers": {"high": "0 from group sre"}})
    with pytest.raises(PolicyError) as err:
        load_approvers(path)
    assert str(path) in str(err.value) and "'high'" in str(err.value) and "quorum 0" in str(err.value)


def test_quorum_above_eligible_is_refused_with_the_numbers(tmp_path, keys):
    path = write(
        tmp_path,
        {
            "approvers": [entry(keys, "alice"), entry(keys, "bob"), entry(keys, "carol", groups=["dba"])],
            "tiers": {"high": "3 from group sre"},
        },
    )
    with pytest.raises(PolicyError) as err:
        load_approvers(path)
    message = str(err.value)
    assert str(path) in message and "'high'" in message
    assert "quorum 3" in message and "2 eligible" in message and "'sre'" in message
    assert "openclaw approvers add" in message and "\n" not in message


def test_a_second_key_does_not_count_as_a_second_person(tmp_path, keys):
    approvers = [entry(keys, "alice"), entry(keys, "alice2", name="alice"), entry(keys, "bob")]
    with pytest.raises(PolicyError, match="quorum 3 is larger than the 2 eligible"):
        load_approvers(write(tmp_path, {"approvers": approvers, "tiers": {"high": "3 from group sre"}}))
    config = load_approvers(write(tmp_path, {"approvers": approvers, "tiers": {"high": "2 from group sre"}}))
    assert config.people() == ["alice", "bob"]
    assert [a.name for a in config.eligible("high")] == ["alice", "alice", "bob"]
    assert config.eligible_people("high") == ["alice", "bob"]


def test_eligible_filters_by_group_and_none_means_everyone(tmp_path, keys):
    config = load_approvers(
        write(
            tmp_path,
            {
                "approvers": [entry(keys, "alice"), entry(keys, "bob", groups=["dba"]), entry(keys, "carol", groups=[])],
                "tiers": {"sre": "1 from group sre", "any": 3},
            },
        )
    )
    assert [a.name for a in config.eligible("sre")] == ["alice"]
    assert [a.name for a in config.eligible(Tier(quorum=1, group="dba"))] == ["bob"]
    assert [a.name for a in config.eligible("any")] == ["alice", "bob", "carol"]
    with pytest.raises(PolicyError, match="tier 'nope' is not defined.*defined: any, sre"):
        config.eligible("nope")


@pytest.mark.parametrize(
    "data, match",
    [
        ({"approvers": [], "surprise": 1}, "surprise"),
        ({"approvers": [{"name": "x", "public_key": "ssh-ed25519 AAAA", "groups": [], "role": "admin"}]}, "role"),
        ({"tiers": {"high": {"quorum": 1, "grp": "sre"}}}, "grp"),
        ({"approvers": [{"name": "x", "public_key": "ssh-rsa AAAAB3Nz x"}]}, "not an Ed25519 key"),
        ({"approvers": [{"name": "../x", "public_key": "ssh-ed25519 AAAA"}]}, "approver name"),
        ({"tiers": {"high": "two from sre"}}, "must look like"),
        ({"tiers": {"high": True}}, "not true/false"),
        ({"tiers": {"High": 1}}, "tier name"),
        ({"veto_threshold": 0}, "veto_threshold"),
        ({"version": 2}, "version"),
        ("- just\n- a list\n", "must be a mapping"),
        ("approvers: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_files_are_refused_naming_the_file(tmp_path, data, match):
    path = write(tmp_path, data)
    with pytest.raises(PolicyError, match=match) as err:
        load_approvers(path)
    assert str(err.value).startswith(str(path)) or str(path) in str(err.value)


def test_the_same_key_twice_is_refused(tmp_path, keys):
    path = write(tmp_path, {"approvers": [entry(keys, "alice"), entry(keys, "alice", name="mallory")]})
    with pytest.raises(PolicyError, match=re.escape(f"key {keys['alice'].fingerprint} is registered twice")):
        load_approvers(path)


def test_missing_file_says_how_to_create_it(tmp_path):
    with pytest.raises(PolicyError, match="does not exist.*openclaw approvers add"):
        load_approvers(tmp_path / "approvers.yaml")


def test_find_by_key_accepts_a_line_with_any_comment_or_a_fingerprint(tmp_path, keys):
    config = load_approvers(write(tmp_path, {"approvers": [entry(keys, "alice"), entry(keys, "bob")]}))
    blob = " ".join(keys["bob"].public_key.split()[:2])
    assert config.find_by_key(blob).name == "bob"
    assert config.find_by_key(blob + " laptop").name == "bob"
    assert config.find_by_key(keys["alice"].fingerprint).name == "alice"
    assert config.find_by_key(keys["carol"].public_key) is None
    assert config.find_by_key(keys["carol"].fingerprint) is None
    with pytest.raises(UsageError):
        config.find_by_key("not a key")
    assert key_fingerprint(keys["bob"].public_key) == keys["bob"].fingerprint


def test_add_approver_creates_the_file_and_it_loads(tmp_path, keys):
    path = tmp_path / "new" / "approvers.yaml"
    add_approver(path, "alice", keys["alice"].public_key, ["sre"])
    config = load_approvers(path)
    assert [(a.name, a.groups) for a in config.approvers] == [("alice", ["sre"])]
    assert config.approvers[0].public_key == keys["alice"].public_key


def test_add_approver_round_trips_the_rest_of_the_file(tmp_path, keys):
    header = "# Who may sign approvals.\n# Managed with `openclaw approvers add`.\n"
    path = tmp_path / "approvers.yaml"
    path.write_text(
        header
        + "\nversion: 1\nveto_threshold: 1\napprovers:\n"
        + f"  - name: alice\n    public_key: {keys['alice'].public_key}\n    groups: [sre]\n"
        + "tiers:\n  high: 2 from group sre\n"
    )
    add_approver(path, "bob", keys["bob"].public_key, ["sre"])
    text = path.read_text()
    assert text.startswith(header)
    raw = yaml.safe_load(text)
    assert raw["tiers"] == {"high": "2 from group sre"}  # shorthand kept as written
    assert [a["name"] for a in raw["approvers"]] == ["alice", "bob"]
    config = load_approvers(path)
    assert config.eligible_people("high") == ["alice", "bob"]


def test_add_approver_refuses_a_key_already_registered(tmp_path, keys):
    path = tmp_path / "approvers.yaml"
    add_approver(path, "alice", keys["alice"].public_key, ["sre"])
    before = path.read_text()
    for name in ("alice", "mallory"):
        with pytest.raises(UsageError, match="already registered to 'alice'"):
            add_approver(path, name, keys["alice"].public_key.replace(" alice", " other-comment"), ["sre"])
    assert path.read_text() == before


def test_a_second_key_for_a_person_inherits_their_groups(tmp_path, keys):
    path = tmp_path / "approvers.yaml"
    add_approver(path, "alice", keys["alice"].public_key, ["sre", "dba"])
    add_approver(path, "alice", keys["alice2"].public_key, [])
    config = load_approvers(path)
    assert [(a.name, a.groups) for a in config.approvers] == [("alice", ["sre", "dba"]), ("alice", ["dba", "sre"])]
    assert config.people() == ["alice"]
    assert config.find_by_key(keys["alice2"].fingerprint).name == "alice"


def test_add_approver_fills_in_a_file_whose_tiers_are_not_yet_satisfiable(tmp_path, keys):
    path = write(tmp_path, {"approvers": [], "tiers": {"high": "2 from group sre"}})
    add_approver(path, "alice", keys["alice"].public_key, ["sre"])
    config = load_approvers(path, check_quorum=False)
    assert quorum_problems(config) == [
        "tier 'high': quorum 2 is larger than the 1 eligible approver(s) in group 'sre' (alice); "
        "add approvers with `openclaw approvers add NAME --public-key FILE --group sre` or lower the quorum"
    ]
    with pytest.raises(PolicyError):
        load_approvers(path)
    add_approver(path, "bob", keys["bob"].public_key, ["sre"])
    assert quorum_problems(load_approvers(path)) == []


@pytest.mark.parametrize(
    "name, key, groups, match",
    [
        ("../x", "alice", ["sre"], "approver name"),
        ("alice", None, ["sre"], "Ed25519"),
        ("alice", "alice", ["SRE"], "group"),
    ],
)
def test_add_approver_refuses_bad_input_without_touching_the_file(tmp_path, keys, name, key, groups, match):
    path = tmp_path / "approvers.yaml"
    add_approver(path, "bob", keys["bob"].public_key, ["sre"])
    before = path.read_text()
    with pytest.raises(UsageError, match=match):
        add_approver(path, name, keys[key].public_key if key else "ssh-rsa AAAAB3Nz x", groups)
    assert path.read_text() == before


def test_parse_approvers_without_a_file():
    assert parse_approvers(None, source="<http>").approvers == []
    with pytest.raises(PolicyError, match="^<http>: "):
        parse_approvers({"tiers": {"high": 1}}, source="<http>")
