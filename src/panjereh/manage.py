"""The ``panjereh`` command: Django's management commands plus Panjereh's own."""

import os
import sys


def main(argv=None):
    """Run a management command, with Panjereh's settings as the default."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panjereh.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv or sys.argv)


if __name__ == "__main__":
    main()
