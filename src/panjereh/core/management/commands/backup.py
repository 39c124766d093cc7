"""panjereh backup <folder>: the database and every stored file, with a manifest of SHA-256s (servers running)."""

import time

from django.core.management.base import BaseCommand, CommandError

from panjereh.core.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Back up this deployment while it runs: the database (SQLite's online backup, or pg_dump) and every "
            "document and issued paper of the storage, into a new folder with manifest.json listing each file's "
            "SHA-256. docs/operations.md gives the schedule.")

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a new (or empty) folder for this backup")

    def handle(self, *args, folder, **options):
        started = time.monotonic()
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(f"no backup made: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"backup in {folder}: database {manifest['database']['size']:,} bytes, {len(manifest['files']):,} files, "
            f"in {time.monotonic() - started:.1f} s"))
