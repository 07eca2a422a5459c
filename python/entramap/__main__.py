"""``python -m entramap``: the command."""

from ._cli import main

main()
