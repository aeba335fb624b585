"""``kotopolku-reporting [serve|migrate|revision]``"""

from kotopolku.common import server
from kotopolku.reporting.service import DEFINITION


def main() -> int:
    return server.main(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
