"""Ed25519 key pairs for approvers: generate, write, load, fingerprint.

Formats (the contract; `openclaw keys generate` writes them, `approvers.yaml` holds the
public line verbatim):

- ``DIR/NAME.key``: the private key, unencrypted PKCS#8 PEM, file mode 0600. It never
  leaves the approver's machine; only signatures do.
- ``DIR/NAME.pub``: one line in OpenSSH format, ``ssh-ed25519 AAAAC3Nz... NAME``. The same
  string goes into ``approvers.yaml`` as ``public_key``; the trailing comment is ignored
  when keys are compared.
- Fingerprints are OpenSSH's: ``SHA256:`` + unpadded base64 of sha256 over the key blob,
  so ``ssh-keygen -lf NAME.pub`` prints the same value.

All crypto is delegated to ``cryptography``; nothing here is hand-rolled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openclaw.errors import UsageError

KEY_TYPE = "ssh-ed25519"
PRIVATE_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}", re.ASCII)
_GENERATE_HINT = "create one with `openclaw keys generate NAME --out DIR`"


def approver_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name an approver (and its key files), or None.

    Allowed: 1-64 ASCII characters from ``A-Z a-z 0-9 . _ @ + -``, starting with a letter or
    digit, so that an e-mail-like identity works and no name can escape ``--out DIR``.
    """
    if not isinstance(name, str):
        return "must be a string"
    if not _NAME.fullmatch(name):
        return (
            "must be 1-64 characters from A-Z a-z 0-9 . _ @ + - and start with a letter or digit"
        )
    return None


def check_approver_name(name: str) -> str:
    """Return ``name`` or raise UsageError saying what is wrong with it."""
    why = approver_name_problem(name)
    if why:
        raise UsageError(f"approver name {name!r} {why}")
    return name


@dataclass(frozen=True)
class KeyPair:
    """What :func:`generate_keypair` wrote."""

    name: str
    private_path: Path
    public_path: Path
    public_key: str
    """The OpenSSH public line, ``ssh-ed25519 AAAA... NAME`` (goes into approvers.yaml)."""
    fingerprint: str
    """``SHA256:...``, as ``ssh-keygen -lf`` prints it."""


def public_key_line(key: Ed25519PublicKey, comment: str | None = None) -> str:
    """The OpenSSH text form of ``key``, with ``comment`` appended when given."""
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode("ascii")
    return f"{line} {comment}" if comment else line


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Parse an OpenSSH ``ssh-ed25519 AAAA... [comment]`` line; UsageError when it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError("public key is empty; expected a line like 'ssh-ed25519 AAAA... NAME'")
    parts = text.strip().split()
    if parts[0] != KEY_TYPE or len(parts) < 2:
        raise UsageError(
            f"public key {_short(text)!r} is not an Ed25519 key in OpenSSH format; "
            f"expected 'ssh-ed25519 AAAA... NAME' ({_GENERATE_HINT})"
        )
    try:
        key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode("ascii"))
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError) as exc:
        raise UsageError(f"public key {_short(text)!r} cannot be decoded: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):  # pragma: no cover - the prefix check makes this unreachable
        raise UsageError(f"public key {_short(text)!r} is not an Ed25519 key")
    return key


def fingerprint_of(key: Ed25519PublicKey) -> str:
    """OpenSSH-style fingerprint ``SHA256:<unpadded base64>`` of ``key``."""
    blob = base64.b64decode(public_key_line(key).split()[1])
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def generate_keypair(name: str, out_dir: Path | str) -> KeyPair:
    """Create ``out_dir/NAME.key`` (PKCS#8 PEM, mode 0600) and ``out_dir/NAME.pub`` (OpenSSH line).

    ``out_dir`` is created (mode 0700) when missing. Refuses to overwrite either file.
    """
    check_approver_name(name)
    out = Path(out_dir)
    private_path = out / f"{name}{PRIVATE_SUFFIX}"
    public_path = out / f"{name}{PUBLIC_SUFFIX}"
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(f"{path} already exists; refusing to overwrite a key (choose another --out or NAME)")
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UsageError(f"cannot create key directory {out}: {exc.strerror}") from exc
    if not out.is_dir():
        raise UsageError(f"--out {out} is not a directory")

    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    line = public_key_line(private.public_key(), name)
    _write_exclusive(private_path, pem, 0o600)
    try:
        _write_exclusive(public_path, (line + "\n").encode("ascii"), 0o644)
    except UsageError:
        private_path.unlink(missing_ok=True)
        raise
    return KeyPair(name, private_path, public_path, line, fingerprint_of(private.public_key()))


def load_private_key(path: Path | str) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS#8 PEM Ed25519 private key; UsageError with the fix when it is not one."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no private key at {p}; {_GENERATE_HINT}") from None
    except OSError as exc:
        raise UsageError(f"cannot read private key {p}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise UsageError(f"private key {p} is encrypted; OpenClaw needs an unencrypted PKCS#8 key ({_GENERATE_HINT})") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UsageError(f"{p} is not a PEM private key ({_GENERATE_HINT})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"private key {p} is not an Ed25519 key ({_GENERATE_HINT})")
    return key


def load_public_key(path: Path | str) -> str:
    """Read a ``.pub`` file and return its OpenSSH line, validated (comment kept)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no public key at {p}; {_GENERATE_HINT}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read public key {p}: {exc}") from exc
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) != 1:
        raise UsageError(f"{p} must hold exactly one line 'ssh-ed25519 AAAA... NAME'; it has {len(lines)}")
    parse_public_key(lines[0])
    return lines[0]


def _write_exclusive(path: Path, data: bytes, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UsageError(f"{path} already exists; refusing to overwrite a key") from None
    except OSError as exc:
        raise UsageError(f"cannot create {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, mode)  # the umask may have removed bits from ``mode``; never added any
        os.write(fd, data)
    finally:
        os.close(fd)


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 40 else text[:37] + "..."


def b64decode_strict(value: str, what: str) -> bytes:
    """Decode standard base64 or raise UsageError naming ``what``."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UsageError(f"{what} is not valid base64") from exc
