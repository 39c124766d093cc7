"""WSGI entry point for gunicorn: ``gunicorn panjereh.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panjereh.settings")
application = get_wsgi_application()

from panjereh.core.web_sessions import plan_without_parallel_workers  # noqa: E402 — after Django is set up

plan_without_parallel_workers()
