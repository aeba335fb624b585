"""The real `promtool` (built by scripts/install-chart-tools.sh) and metric names in PromQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml


class PromtoolNotFound(RuntimeError):
    pass


def find_promtool() -> str:
    """$PROMTOOL, else $KOTOPOLKU_CACHE/bin/promtool, else promtool on PATH."""
    explicit = os.environ.get("PROMTOOL")
    if explicit:
        return explicit
    cache = Path(os.environ.get("KOTOPOLKU_CACHE", Path.home() / ".cache" / "kotopolku"))
    cached = cache / "bin" / "promtool"
    if cached.is_file() and os.access(cached, os.X_OK):
        return str(cached)
    on_path = shutil.which("promtool")
    if on_path:
        return on_path
    raise PromtoolNotFound("promtool not found: run scripts/install-chart-tools.sh promtool")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [find_promtool(), *args], capture_output=True, text=True, check=False, timeout=120
    )


def check_rules(groups: list[dict], directory: Path) -> subprocess.CompletedProcess[str]:
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return run("check", "rules", str(path))


# PromQL words and functions that look like metric names.
_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan",
}  # fmt: skip
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGES = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (label names, functions, keywords left out)."""
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub("", text)
    text = _GROUPING.sub("", text)
    text = _RANGES.sub("", text)
    return {n for n in _NAME.findall(text) if n.lower() not in _KEYWORDS}
