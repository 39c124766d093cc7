import pytest


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    """The test receivers listen on 127.0.0.1, which Panjereh refuses unless an administrator allows it."""
    settings.PANJEREH_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
