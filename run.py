#!/usr/bin/env python3
"""Bootstrap for a fresh machine: set up .venv with pressrun, then run a command in it.

    python3 run.py dev      the whole service on embedded defaults
    python3 run.py test     the test suite (extra arguments go to pytest); installs Debian's
                            chromium first if it is missing, for the browser tests
    python3 run.py lint     ruff and mypy
    python3 run.py <cmd>    any other `pressrun` command (worker, demo, migrate, ...)

Standard library only: it must work before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".pressrun-installed"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before anything checks
        sys.exit("pressrun needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("Installing pressrun and its dependencies into .venv ...", flush=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", ".[dev,embeddings]"],
        cwd=ROOT,
        check=True,
    )
    STAMP.write_text(_fingerprint())


def ensure_chromium() -> None:
    """Debian's Chromium for the dashboard's browser tests: Playwright drives this binary and
    never downloads a browser of its own. Without it those tests skip, saying why."""
    if shutil.which("chromium") or os.environ.get("PRESSRUN_CHROMIUM"):
        return
    apt = shutil.which("apt-get")
    if os.geteuid() == 0:
        prefix: list[str] | None = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        prefix = None
    if apt is None or prefix is None:
        print(
            "note: Debian's chromium is missing and cannot be installed here (needs apt-get "
            "as root); the browser tests will be skipped.",
            flush=True,
        )
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt_get(*args: str) -> int:
        command = [*prefix, apt, *args]
        return subprocess.run(command, stdout=subprocess.DEVNULL, env=env).returncode

    print(
        "Installing Debian's chromium for the browser tests (apt-get install chromium) ...",
        flush=True,
    )
    if apt_get("install", "-y", "-q", "chromium") != 0:
        # A machine whose package lists were never fetched knows no chromium yet.
        apt_get("update", "-q")
        if apt_get("install", "-y", "-q", "chromium") != 0:
            print(
                "note: `apt-get install chromium` failed; the browser tests will be skipped.",
                flush=True,
            )


def main(args: list[str]) -> int:
    if not args:
        print(__doc__)
        return 2
    ensure_venv()
    os.chdir(ROOT)
    command, rest = args[0], args[1:]
    if command == "test":
        ensure_chromium()
        argv = [str(BIN / "pytest"), *rest]
    elif command == "lint":
        ruff = subprocess.run([str(BIN / "ruff"), "check", "."]).returncode
        fmt = subprocess.run([str(BIN / "ruff"), "format", "--check", "."]).returncode
        mypy = subprocess.run([str(BIN / "mypy"), "pressrun", "tests"]).returncode
        return ruff or fmt or mypy
    else:
        argv = [str(BIN / "pressrun"), command, *rest]
    os.execv(argv[0], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
