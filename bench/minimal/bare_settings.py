"""bench/minimal's settings with no middleware at all: the second floor.

minimal.settings runs the bare view through every middleware of ours (sessions, locale, CSRF, security headers,
the metrics, the sign-in lockout); here the same view runs with none, so what Django's request handling itself
costs, and what the middleware adds, are two numbers, not one."""

from minimal.settings import *  # noqa: F401,F403

MIDDLEWARE = []
# (its views take POSTs from the benchmark without a CSRF token: there is no CSRF middleware here)
