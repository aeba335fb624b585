"""``kotopolku-esign [serve|migrate|revision]``, and ``kotopolku-esign dev-certificates
[codes…]`` to make the dev signing chain (root CA → one certificate per municipality)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from kotopolku.common.server import main as serve
from kotopolku.esign.certificates import generate_dev_certificates
from kotopolku.esign.service import DEFINITION, EsignSettings

# The municipalities of the dev realm's users.
DEV_MUNICIPALITIES = ("091", "092", "837")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["dev-certificates"]:
        directory = EsignSettings().signing_dir
        made = generate_dev_certificates(directory, args[1:] or DEV_MUNICIPALITIES)
        print(f"dev signing certificates in {directory}: new for {', '.join(made) or 'none'}")
        return 0
    return serve(DEFINITION, args)


if __name__ == "__main__":
    raise SystemExit(main())
