"""``kotopolku-interpretation [serve|migrate|revision]``"""

from kotopolku.common import server
from kotopolku.interpretation.service import DEFINITION


def main() -> int:
    return server.main(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
