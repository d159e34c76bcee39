"""``openclaw keys generate NAME --out DIR``: make an approver's Ed25519 key pair."""

from __future__ import annotations

import argparse
import sys

from openclaw.approvals.keys import generate_keypair


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``keys`` noun and its verbs to the top-level sub-parsers."""
    p = sub.add_parser("keys", help="manage approvers' Ed25519 signing keys")
    verbs = p.add_subparsers(dest="keys_command", metavar="VERB", required=True)
    gen = verbs.add_parser(
        "generate",
        help="create DIR/NAME.key (private, mode 0600) and DIR/NAME.pub (OpenSSH line)",
        description=(
            "Create an Ed25519 key pair for an approver. NAME.key stays with the approver; "
            "the line in NAME.pub is what `openclaw approvers add` registers. Existing files are never overwritten."
        ),
    )
    gen.add_argument("name", metavar="NAME", help="approver name, e.g. alice (1-64 of A-Z a-z 0-9 . _ @ + -)")
    gen.add_argument("--out", metavar="DIR", required=True, help="directory for the two files (created when missing)")
    gen.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace) -> int:
    pair = generate_keypair(args.name, args.out)
    out = sys.stdout
    print(f"private key: {pair.private_path} (keep it secret; mode 0600)", file=out)
    print(f"public key:  {pair.public_path}", file=out)
    print(f"fingerprint: {pair.fingerprint}", file=out)
    print(
        f"register it: openclaw approvers add {pair.name} --public-key {pair.public_path} --group GROUP",
        file=out,
    )
    return 0
