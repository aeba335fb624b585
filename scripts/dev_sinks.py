"""Development mail catcher, SMS gateway and Suomi.fi Messages stand-in on loopback (see
kotopolku/messaging/devsinks.py). Started by scripts/stack.sh."""

from kotopolku.messaging.devsinks import main

if __name__ == "__main__":
    raise SystemExit(main())
