"""Finnish morphology from Voikko (libvoikko with the voikko-fi dictionary, Debian packages
``libvoikko1`` and ``voikko-fi``): base forms of inflected words and of compound parts.

Without the library the service still runs and search falls back to Snowball stems alone (found
less often: "asunnon" no longer finds "asunto"); a warning says so once at start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from kotopolku.guidance.search.terms import BaseForms, compound_parts

log = logging.getLogger(__name__)


class VoikkoBaseForms:
    """Callable: word → base forms and compound parts. Voikko handles are not thread-safe."""

    def __init__(self, voikko: Any) -> None:
        self._voikko = voikko
        self._lock = threading.Lock()

    def __call__(self, word: str) -> Sequence[str]:
        with self._lock:
            analyses = self._voikko.analyze(word)
        forms: list[str] = []
        for analysis in analyses:
            base = analysis.get("BASEFORM")
            if base:
                forms.append(base)
            forms.extend(compound_parts(analysis.get("WORDBASES", "")))
        return forms


def load_finnish_base_forms() -> BaseForms | None:
    """The analyser, or None when libvoikko or its Finnish dictionary is not installed."""
    try:
        import libvoikko

        return VoikkoBaseForms(libvoikko.Voikko("fi"))
    except Exception as error:  # OSError without the library, VoikkoException without fi
        log.warning(
            "Finnish morphology unavailable; search uses Snowball stems only",
            extra={"error": type(error).__name__},
        )
        return None


def load_stemmers() -> dict[str, Any]:
    import Stemmer

    from kotopolku.guidance.search.terms import SNOWBALL_LANGUAGES

    return {code: Stemmer.Stemmer(name) for code, name in SNOWBALL_LANGUAGES.items()}
