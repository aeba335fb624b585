"""``kotopolku-archive [serve|migrate|revision]``"""

from kotopolku.archive.service import DEFINITION
from kotopolku.common import server


def main() -> int:
    return server.main(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
