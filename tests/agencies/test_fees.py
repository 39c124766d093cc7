"""Fees are integer rials computed exactly, rounded down once per line."""

import pytest

from panjereh.agencies import fees

pytestmark = pytest.mark.django_db


def test_sewer_is_seventy_percent_of_water_exactly():
    """Before: floor(0.7 × 180,000,000) in binary floating point gave 125,999,999."""
    assert fees.sewer_connection({"residential_share": 0.7, "other_share": 1.0}, land_use="residential",
                                 water_fee=180_000_000) == 126_000_000


@pytest.mark.parametrize("units", range(1, 40))
def test_every_sewer_share_is_the_exact_decimal(city, units):
    water = fees.service_fee("water", land_use="residential", units=units, size={"diameter_mm": 20})
    sewer = fees.service_fee("sewer", land_use="residential", units=units, size={}, water_size={"diameter_mm": 20})
    share = fees.schedule("sewer").params["residential_share"]
    numerator, denominator = fees.exact(share).as_integer_ratio()
    assert sewer == water * numerator // denominator
    assert isinstance(sewer, int) and isinstance(water, int)


def test_power_fee_with_a_decimal_kw():
    params = {"per_phase_set": {"1": 10_000_000, "3": 30_000_000}, "per_kw": 1_100_000}
    assert fees.power_connection(params, phases=1, kw=2.3) == 10_000_000 + 2_530_000
