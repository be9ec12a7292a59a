"""``python -m plinto …``: the admin command of the native core (``--help`` lists the commands),
on the database ``PLINTO_DATABASE`` names with ``PLINTO_SECRET_KEY``."""

import sys

from plinto._native import run_cli

if __name__ == "__main__":
    sys.exit(run_cli(sys.argv[1:]))
