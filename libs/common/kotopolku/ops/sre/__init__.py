"""``kotopolku-sre``: the status of every service of a running installation, for operators."""
