"""openclaw.approvals.keys: Ed25519 key pairs for approvers.

Covers: generate writes NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (one OpenSSH line
with the name as comment) and creates --out; refuses to overwrite either file and leaves
them untouched; refuses names that could escape the directory; the fingerprint matches
OpenSSH's for the RFC 8032 test key; loading refuses missing, garbage, RSA and encrypted
private keys and malformed public keys with UsageError naming the fix; a loaded pair
signs and verifies.
"""

from __future__ import annotations

import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openclaw.approvals.keys import (
    approver_name_problem,
    fingerprint_of,
    generate_keypair,
    load_private_key,
    load_public_key,
    parse_public_key,
    public_key_line,
)
from openclaw.errors import UsageError

RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"
RFC8032_FINGERPRINT = "SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8"  # from `ssh-keygen -lf`


def test_generate_writes_private_pem_0600_and_one_public_line(tmp_path):
    out = tmp_path / "keys" / "nested"
    pair = generate_keypair("alice", out)

    assert pair.private_path == out / "alice.key" and pair.public_path == out / "alice.pub"
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    pem = pair.private_path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    assert isinstance(serialization.load_pem_private_key(pem, password=None), Ed25519PrivateKey)

    text = pair.public_path.read_text()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.strip() == pair.public_key
    kind, blob, comment = pair.public_key.split()
    assert (kind, comment) == ("ssh-ed25519", "alice") and blob.startswith("AAAAC3NzaC1lZDI1NTE5")
    assert pair.fingerprint == fingerprint_of(parse_public_key(pair.public_key))
    assert pair.fingerprint.startswith("SHA256:") and "=" not in pair.fingerprint


def test_two_generated_keys_differ(tmp_path):
    assert generate_keypair("a", tmp_path).fingerprint != generate_keypair("b", tmp_path).fingerprint


@pytest.mark.parametrize("existing", ["alice.key", "alice.pub"])
def test_generate_refuses_to_overwrite_and_keeps_the_file(tmp_path, existing):
    (tmp_path / existing).write_text("precious")
    with pytest.raises(UsageError, match="refusing to overwrite"):
        generate_keypair("alice", tmp_path)
    assert (tmp_path / existing).read_text() == "precious"
    other = "alice.pub" if existing == "alice.key" else "alice.key"
    assert not (tmp_path / other).exists()


@pytest.mark.parametrize("name", ["", "../evil", "a/b", "-dash", ".hidden", "x" * 65, "名前", "a b"])
def test_bad_names_are_refused_before_any_file_is_written(tmp_path, name):
    with pytest.raises(UsageError, match="approver name"):
        generate_keypair(name, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["alice", "bob.smith", "ops@example.com", "sre-1", "A_B+c"])
def test_good_names(name):
    assert approver_name_problem(name) is None


def test_fingerprint_matches_openssh_for_the_rfc8032_key():
    key = Ed25519PublicKey.from_public_bytes(RFC8032_PUBLIC)
    assert public_key_line(key) == RFC8032_LINE
    assert public_key_line(key, "rfc8032") == RFC8032_LINE + " rfc8032"
    assert fingerprint_of(key) == RFC8032_FINGERPRINT
    # The comment is not part of the key.
    assert fingerprint_of(parse_public_key(RFC8032_LINE + " someone-else")) == RFC8032_FINGERPRINT


def test_loaded_pair_signs_and_verifies(tmp_path):
    pair = generate_keypair("alice", tmp_path)
    private = load_private_key(pair.private_path)
    public = parse_public_key(load_public_key(pair.public_path))
    public.verify(private.sign(b"payload"), b"payload")  # raises on mismatch
    assert fingerprint_of(private.public_key()) == pair.fingerprint


def test_load_private_key_errors_say_how_to_fix(tmp_path):
    with pytest.raises(UsageError, match="openclaw keys generate"):
        load_private_key(tmp_path / "missing.key")

    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key")
    with pytest.raises(UsageError, match="not a PEM private key"):
        load_private_key(garbage)

    rsa_key = tmp_path / "rsa.key"
    rsa_key.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(UsageError, match="not an Ed25519 key"):
        load_private_key(rsa_key)

    encrypted = tmp_path / "enc.key"
    encrypted.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(UsageError, match="encrypted"):
        load_private_key(encrypted)


@pytest.mark.parametrize(
    "content, match",
    [
        ("", "exactly one line"),
        (RFC8032_LINE + "\n" + RFC8032_LINE + "\n", "exactly one line"),
        ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user\n", "not an Ed25519 key"),
        ("ssh-ed25519 !!!notbase64!!! x\n", "cannot be decoded"),
        ("ssh-ed25519\n", "not an Ed25519 key"),
    ],
)
def test_load_public_key_refuses_malformed_files(tmp_path, content, match):
    path = tmp_path / "x.pub"
    path.write_text(content)
    with pytest.raises(UsageError, match=match):
        load_public_key(path)


def test_load_public_key_missing_file(tmp_path):
    with pytest.raises(UsageError, match="no public key at .*openclaw keys generate"):
        load_public_key(tmp_path / "nobody.pub")
