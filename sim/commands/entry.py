"""The `xsim` console script: signal handlers first, then the command line.

Importing `xsim.commands.app` loads numpy, pandas, pyarrow, matplotlib and the simulator: a
second or more in which Ctrl-C would otherwise end in a traceback. So this module imports only
the standard library, installs the handlers, and only then imports the app.

Ctrl-C: during start-up, leave at once (nothing has been written). Later, the first one
unwinds like a KeyboardInterrupt (commands remove their temporary folders and exit 130);
a second one leaves at once with 130, whatever the first is still waiting for. SIGTERM
unwinds like the first Ctrl-C and exits 143.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130
TERMINATED = 143


def main() -> None:
    signal.signal(signal.SIGINT, _interrupted_at_start)
    signal.signal(signal.SIGTERM, _terminated_at_start)
    from xsim.commands.app import app  # the heavy imports

    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    finally:
        # The exit code is set. Interpreter teardown can take a second or two, during which
        # Python restores the default handler: a Ctrl-C then would replace exit code 130 with
        # death by SIGINT. An ignored signal stays ignored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupted_at_start(signum, frame) -> None:
    _leave_now("interrupted", INTERRUPTED)


def _terminated_at_start(signum, frame) -> None:
    _leave_now("terminated", TERMINATED)


def _interrupted(signum, frame) -> None:
    signal.signal(signal.SIGINT, _interrupted_again)
    raise KeyboardInterrupt


def _interrupted_again(signum, frame) -> None:
    # no clean-up: a staging folder left behind is swept by the next run in its parent folder,
    # and replication workers end with this process (`xsim.pipeline.executors`)
    _leave_now("interrupted again; exiting now", INTERRUPTED)


def _terminated(signum, frame) -> None:
    sys.stderr.write("terminated; nothing was left half-written\n")
    raise SystemExit(TERMINATED)


def _leave_now(message: str, code: int) -> None:
    os.write(2, f"{message}\n".encode())
    os._exit(code)
