"""A system check that a deployment which is not a demo holds no demo user: their password is printed in the
README, so one left on a city's database (copied from a demo, or made by `democity` before it refused) is a
door anyone can open. Run by `panjereh check --deploy` and shown by `panjereh doctor`."""

import os

from django.core import checks

from panjereh.core.fakes import demo_allowed

TAG = "panjereh_demo"


def demo_users_left() -> list[str]:
    """The demo usernames that exist here and still open with a demo password (the README's, or the one this
    deployment set for its demo)."""
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    from panjereh.democity.people import DEFAULT_DEMO_PASSWORD, DEMO_PASSWORD_ENV, demo_users

    passwords = {DEFAULT_DEMO_PASSWORD, os.environ.get(DEMO_PASSWORD_ENV) or DEFAULT_DEMO_PASSWORD}
    names = [username for username, *_ in demo_users()]
    try:
        users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    except DatabaseError:  # not migrated yet: nobody to report
        return []
    return sorted(u.username for u in users if any(u.check_password(p) for p in passwords))


@checks.register(checks.Tags.security, TAG, deploy=True)
def no_demo_users(app_configs=None, **kwargs):
    if demo_allowed():
        return []
    left = demo_users_left()
    if not left:
        return []
    return [checks.Error(
        f"demo users with the published demo password exist on a deployment that is not a demo: {', '.join(left)}",
        hint="deactivate them or set their passwords in /admin/ (or `panjereh changepassword <name>`); "
             "a city's own users come from `panjereh createcityadmin`",
        id="panjereh.E001")]
