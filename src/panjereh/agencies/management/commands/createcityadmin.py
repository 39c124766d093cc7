"""panjereh createcityadmin <username> [--email E] [--link]: a city's first administrator, without the demo.

The password is typed by the person (twice, checked by the password validators) or, with --link, set by
them through a one-time link (Django's password-reset token: single use, expires after
PASSWORD_RESET_TIMEOUT). Nothing is printed that would let someone else sign in.
"""

import getpass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from panjereh.agencies.models import StaffProfile


class Command(BaseCommand):
    help = "Create the city's first administrator (a superuser with the admin role); refuses an existing name."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--link", action="store_true",
                            help="print a one-time link to set the password instead of asking for it here")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="the address staff reach Panjereh at, for the link")

    def handle(self, *args, username, email, link, base_url, **options):
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            raise CommandError(f"a user «{username}» already exists; nothing changed")
        user = users(username=username, email=email, is_staff=True, is_superuser=True)
        if link:
            user.set_unusable_password()
        else:
            password = self._ask_password(user)
            user.set_password(password)
        with transaction.atomic():
            user.save()
            StaffProfile.objects.create(user=user, role="admin")
        self.stdout.write(self.style.SUCCESS(f"administrator «{username}» created"))
        if link:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            path = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
            self.stdout.write(f"one-time link to set the password (give it to {username} only): "
                              f"{base_url.rstrip('/')}{path}")

    def _ask_password(self, user) -> str:
        for _ in range(3):
            try:
                first = getpass.getpass("password: ")
                second = getpass.getpass("again: ")
            except EOFError:
                raise CommandError("no terminal to type a password: use --link") from None
            if first != second:
                self.stderr.write("the two passwords differ; try again")
                continue
            try:
                password_validation.validate_password(first, user)
            except ValidationError as exc:
                self.stderr.write("; ".join(exc.messages))
                continue
            return first
        raise CommandError("no acceptable password after three tries; nothing changed")
