"""The speech engine: espeak-ng (Debian package ``espeak-ng``) as a subprocess.

The text goes to the engine on standard input, never on its command line (where any local user
could read it in the process list), and SSML is off, so markup in the text is read, not obeyed.
The engine writes WAV to a file of a private temporary directory (a pipe would leave the WAV
header's lengths unset). Each run has a deadline and the output a size limit; a few runs at most
go at once, so a burst of requests cannot take every CPU.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kotopolku.interpretation.domain.speech import SpeechRate

log = logging.getLogger(__name__)


class SpeechEngineError(Exception):
    """The engine is missing, too slow, or produced too much; ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Espeak:
    def __init__(
        self,
        binary: str = "espeak-ng",
        *,
        timeout_seconds: float = 10.0,
        max_audio_bytes: int = 8 << 20,
        concurrency: int = 2,
    ) -> None:
        self._binary = binary
        self._timeout = timeout_seconds
        self._max_bytes = max_audio_bytes
        self._slots = asyncio.Semaphore(concurrency)
        self._voices: list[str] | None = None

    def _path(self) -> str:
        found = shutil.which(self._binary)
        if found is None:
            raise SpeechEngineError("engine-missing")
        return found

    def voices(self) -> Sequence[str]:
        """The engine's voice tags ("fi", "en-gb", …), read once."""
        if self._voices is None:
            try:
                listing = subprocess.run(  # noqa: S603 - fixed arguments, resolved binary
                    [self._path(), "--voices"],
                    capture_output=True,
                    text=True,
                    timeout=self._timeout,
                    check=True,
                )
            except SpeechEngineError:
                return []
            except (OSError, subprocess.SubprocessError) as error:
                log.warning("cannot list speech voices", extra={"error": type(error).__name__})
                return []
            self._voices = [
                line.split()[1] for line in listing.stdout.splitlines()[1:] if len(line.split()) > 1
            ]
        return self._voices

    async def synthesize(self, text: str, voice: str, rate: SpeechRate) -> bytes:
        binary = self._path()
        async with self._slots:
            with tempfile.TemporaryDirectory(prefix="kotopolku-speech-") as directory:
                output = Path(directory) / "speech.wav"
                process = await asyncio.create_subprocess_exec(
                    binary,
                    "-v",
                    voice,
                    "-s",
                    str(rate.words_per_minute),
                    "-b",
                    "1",
                    "-w",
                    str(output),
                    "--stdin",
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                    cwd=directory,
                    env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
                )
                try:
                    await asyncio.wait_for(process.communicate(text.encode("utf-8")), self._timeout)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                    raise SpeechEngineError("timeout") from None
                if process.returncode != 0:
                    log.warning("speech engine failed", extra={"returncode": process.returncode})
                    raise SpeechEngineError("engine-failed")
                if not output.exists():
                    raise SpeechEngineError("no-output")
                if output.stat().st_size > self._max_bytes:
                    raise SpeechEngineError("too-long")
                return output.read_bytes()
