"""``configs/approvers.yaml``: who may sign, with which key, and how many signatures each tier needs.

File format::

    version: 1
    veto_threshold: 1            # rejections that end a request (default 1)
    approvers:
      - name: alice
        public_key: ssh-ed25519 AAAAC3Nz... alice      # the line of alice.pub
        groups: [sre]
      - name: alice                                    # a second key: still one person
        public_key: ssh-ed25519 AAAAC3Nz... alice-laptop
        groups: [sre]
    tiers:
      high: 2 from group sre                           # shorthand
      critical: {quorum: 3, group: sre}                # long form; group omitted = any approver

Everything is optional: a file with no approvers and no tiers (a fresh install) loads.
People are identified by ``name``; several keys may share a name and still count once.
A key (compared by fingerprint, comment ignored) may be registered only once.
A tier whose quorum is below 1, or above the number of distinct people who may sign
for it, is refused when the file loads, naming the file, the tier and the numbers.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, StrictInt, ValidationError, ValidationInfo, field_validator, model_validator

from openclaw.approvals.keys import approver_name_problem, fingerprint_of, parse_public_key
from openclaw.errors import PolicyError, UsageError
from openclaw.models._base import StrictModel

APPROVERS_FILE = "approvers.yaml"
_GROUP = re.compile(r"[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?", re.ASCII)
_TIER_SHORTHAND = re.compile(r"\s*(-?\d+)\s*(?:from\s+(?:group\s+)?(\S+)\s*)?", re.ASCII | re.IGNORECASE)
_ADD_HINT = "openclaw approvers add NAME --public-key FILE"


def key_fingerprint(public_key: str) -> str:
    """OpenSSH-style ``SHA256:...`` fingerprint of an ``ssh-ed25519 AAAA...`` line (comment ignored)."""
    return fingerprint_of(parse_public_key(public_key))


def _group_problem(group: str) -> str | None:
    if not isinstance(group, str) or not _GROUP.fullmatch(group):
        return f"group {group!r} must be lower-case letters, digits, '-', '_' or '.' (at most 63)"
    return None


class Approver(StrictModel):
    """One registered key of one person."""

    name: str
    public_key: str
    """The OpenSSH line, ``ssh-ed25519 AAAA... comment``, as in the ``.pub`` file."""
    groups: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        why = approver_name_problem(value)
        if why:
            raise ValueError(f"approver name {value!r} {why}")
        return value

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        try:
            parse_public_key(value)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return value.strip()

    @field_validator("groups", mode="before")
    @classmethod
    def _groups(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        for group in value if isinstance(value, list) else []:
            why = _group_problem(group)
            if why:
                raise ValueError(why)
        return value

    @property
    def fingerprint(self) -> str:
        """``SHA256:...`` of this key."""
        return key_fingerprint(self.public_key)


class Tier(StrictModel):
    """How many distinct people must approve an action of this tier, and from which group."""

    quorum: StrictInt
    group: str | None = None
    """Only approvers with this group count; None means any registered approver."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """Accept ``2``, ``"2"``, ``"2 from group sre"`` and ``"2 from sre"`` besides the mapping."""
        if isinstance(value, bool):
            raise ValueError("a tier must be a number or 'N from group G', not true/false")
        if isinstance(value, int):
            return {"quorum": value}
        if isinstance(value, str):
            match = _TIER_SHORTHAND.fullmatch(value)
            if not match:
                raise ValueError(f"tier {value!r} must look like '2' or '2 from group sre'")
            return {"quorum": int(match.group(1)), "group": match.group(2)}
        return value

    @field_validator("group")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        why = value is not None and _group_problem(value)
        if why:
            raise ValueError(why)
        return value


class ApproversConfig(StrictModel):
    """The parsed ``approvers.yaml``. Build it with :func:`load_approvers`."""

    version: Literal[1] = 1
    approvers: list[Approver] = Field(default_factory=list)
    tiers: dict[str, Tier] = Field(default_factory=dict)
    veto_threshold: StrictInt = Field(default=1, ge=1)
    """Number of distinct rejections that end a request."""

    @field_validator("approvers", "tiers", mode="before")
    @classmethod
    def _empty(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return [] if info.field_name == "approvers" else {}
        return value

    @field_validator("tiers")
    @classmethod
    def _tier_names(cls, value: dict[str, Tier]) -> dict[str, Tier]:
        for name in value:
            if not isinstance(name, str) or not _GROUP.fullmatch(name):
                raise ValueError(f"tier name {name!r} must be lower-case letters, digits, '-', '_' or '.'")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ApproversConfig:
        seen: dict[str, str] = {}
        for approver in self.approvers:
            fp = approver.fingerprint
            if fp in seen:
                raise ValueError(
                    f"key {fp} is registered twice (to {seen[fp]!r} and {approver.name!r}); "
                    "a key may belong to one approver only"
                )
            seen[fp] = approver.name
        if (info.context or {}).get("check_quorum", True):
            problems = quorum_problems(self)
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def find_by_key(self, public_key_or_fingerprint: str) -> Approver | None:
        """The entry whose key matches an ``ssh-ed25519 ...`` line or a ``SHA256:...`` fingerprint.

        Raises UsageError when the argument is neither a fingerprint nor a valid key line.
        """
        wanted = public_key_or_fingerprint.strip()
        if not wanted.startswith("SHA256:"):
            wanted = key_fingerprint(wanted)
        return next((a for a in self.approvers if a.fingerprint == wanted), None)

    def people(self) -> list[str]:
        """Distinct approver names, in file order."""
        return list(dict.fromkeys(a.name for a in self.approvers))

    def tier(self, name: str) -> Tier:
        """The tier called ``name``; PolicyError naming the defined tiers when there is none."""
        try:
            return self.tiers[name]
        except KeyError:
            defined = ", ".join(sorted(self.tiers)) or "none"
            raise PolicyError(
                f"approval tier {name!r} is not defined in {APPROVERS_FILE} (defined: {defined}); "
                f"add it under 'tiers:', e.g. '{name}: 2 from group sre'"
            ) from None

    def eligible(self, tier: Tier | str) -> list[Approver]:
        """Entries (keys) allowed to sign for ``tier``; several may belong to one person."""
        t = self.tier(tier) if isinstance(tier, str) else tier
        return [a for a in self.approvers if t.group is None or t.group in a.groups]

    def eligible_people(self, tier: Tier | str) -> list[str]:
        """Distinct names allowed to sign for ``tier`` (what the quorum is compared with)."""
        return list(dict.fromkeys(a.name for a in self.eligible(tier)))


def quorum_problems(config: ApproversConfig) -> list[str]:
    """One line per tier whose quorum can never (or always trivially) be met; empty when fine."""
    problems = []
    for name, tier in config.tiers.items():
        scope = f"in group {tier.group!r}" if tier.group else "registered"
        people = config.eligible_people(tier)
        if tier.quorum < 1:
            problems.append(
                f"tier {name!r}: quorum {tier.quorum} would approve without any signature; "
                "set it to at least 1 or remove the tier"
            )
        elif tier.quorum > len(people):
            flag = f" --group {tier.group}" if tier.group else ""
            problems.append(
                f"tier {name!r}: quorum {tier.quorum} is larger than the {len(people)} eligible approver(s) "
                f"{scope} ({', '.join(people) or 'none'}); add approvers with `{_ADD_HINT}{flag}` "
                "or lower the quorum"
            )
    return problems


def parse_approvers(data: Any, *, source: str, check_quorum: bool = True) -> ApproversConfig:
    """Validate already-loaded YAML data; PolicyError naming ``source`` and each bad field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: must be a mapping with 'approvers:' and 'tiers:', not {type(data).__name__}")
    try:
        return ApproversConfig.model_validate(data, context={"check_quorum": check_quorum})
    except ValidationError as exc:
        raise PolicyError(f"{source}: {_describe(exc)}") from None


def load_approvers(path: Path | str, *, check_quorum: bool = True) -> ApproversConfig:
    """Read and validate ``approvers.yaml``. An empty file is a valid config with nobody in it.

    ``check_quorum=False`` skips the tier-vs-approvers check (used while filling the file in).
    """
    p = Path(path)
    return parse_approvers(_read_yaml(p), source=str(p), check_quorum=check_quorum)


def add_approver(path: Path | str, name: str, public_key: str, groups: list[str] | None = None) -> None:
    """Register ``public_key`` for ``name`` in ``path`` (created when missing), keeping the rest of the file.

    A key already registered (to anyone) is refused. A second key for an existing name is
    allowed and counts as the same person; when ``groups`` is empty it inherits that
    person's groups. Tiers are not quorum-checked here, so a file can be filled in one
    approver at a time; call :func:`quorum_problems` on the result to report what is left.
    """
    p = Path(path)
    data = _read_yaml(p) if p.exists() else {"version": 1, "approvers": [], "tiers": {}}
    config = parse_approvers(data, source=str(p), check_quorum=False)
    try:
        entry = Approver(name=name, public_key=public_key, groups=list(groups or []))
    except ValidationError as exc:
        raise UsageError(_describe(exc)) from None
    existing = config.find_by_key(entry.fingerprint)
    if existing is not None:
        raise UsageError(
            f"key {entry.fingerprint} is already registered to {existing.name!r} in {p}; each key may be added once"
        )
    if not entry.groups:
        inherited = sorted({g for a in config.approvers if a.name == name for g in a.groups})
        entry = entry.model_copy(update={"groups": inherited})
    data = dict(data or {})
    data.setdefault("version", 1)
    data["approvers"] = list(data.get("approvers") or []) + [entry.model_dump()]
    parse_approvers(data, source=str(p), check_quorum=False)
    _write_yaml(p, data, header=_leading_comments(p))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path} does not exist; create it with `{_ADD_HINT}` or point --config-dir elsewhere") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read {path}: {exc}") from exc
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when available
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path} is not valid YAML: {exc}") from exc


def _leading_comments(path: Path) -> str:
    """The comment block at the top of ``path`` (PyYAML drops comments; keep at least the header)."""
    if not path.exists():
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or (not line.strip() and lines):
            lines.append(line)
        else:
            break
    return "\n".join(lines).rstrip() + "\n" if lines else ""


def _write_yaml(path: Path, data: dict[str, Any], *, header: str) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(header + body)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PolicyError(f"cannot write {path}: {exc.strerror or exc}") from exc
