"""``kotopolku-messaging [serve|migrate|revision|worker]``"""

import sys
from collections.abc import Sequence

from kotopolku.common import server
from kotopolku.messaging.service import DEFINITION


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["worker"]:
        from kotopolku.messaging import standalone_worker

        return standalone_worker.main()
    return server.main(DEFINITION, args)


if __name__ == "__main__":
    raise SystemExit(main())
