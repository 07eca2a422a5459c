"""The ``entramap`` console script: the command itself, from the wheel."""

import signal
import sys

from ._entramap import run_cli


def main() -> None:
    # Ctrl-C stops the command as it stops the native binary (Python's own handler would only
    # set a flag the engine never reads).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(run_cli(["entramap", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
