"""panjereh restore <folder>: a backup into an empty deployment (new database, empty storage), every file checked."""

import time

from django.core.management.base import BaseCommand, CommandError

from panjereh.core.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = ("Restore a backup made by `panjereh backup` into this deployment, which must be new: a database not yet "
            "migrated and a storage without the backup's files. Every file is checked against the manifest before "
            "and after. --check only verifies the backup folder.")
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--check", action="store_true", help="only verify the folder against its manifest")

    def handle(self, *args, folder, check=False, **options):
        started = time.monotonic()
        try:
            manifest = verify(folder) if check else restore(folder)
        except BackupError as exc:
            raise CommandError(f"nothing restored: {exc}" if not check else str(exc)) from exc
        verb = "verified" if check else "restored"
        self.stdout.write(self.style.SUCCESS(
            f"{verb}: database and {len(manifest['files']):,} files, every SHA-256 as in the manifest, in "
            f"{time.monotonic() - started:.1f} s"))
