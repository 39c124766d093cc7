import pytest


@pytest.fixture(autouse=True)
def no_seasonal_bans(settings):
    """The works tests pick dates relative to today; a Nowruz ban would make them depend on the season they
    run in. The ban itself is tested on its own (test_seasons_without_digging_and_resurfacing_announced)."""
    settings.PANJEREH_WORKS_RULES = {"bans": []}
