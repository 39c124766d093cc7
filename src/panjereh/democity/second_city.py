"""The demo's second city: Dezful, 150 km north of Ahvaz, added as a province adds a city (``createcity``'s
service), so that ``make run`` shows two cities apart on one deployment — its own municipality, counter office,
staff and a small grid of parcels — served by the same provincial water, power, gas and telecom companies.

It has no networks of its own in the demo: its parcels' feasibility says how far the nearest network is (in
Ahvaz), which is what a city whose agencies have not yet loaded their layers looks like. Demo only."""

import os

import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from panjereh.agencies import services as agency_services
from panjereh.agencies.models import Agency, CounterOffice, StaffProfile
from panjereh.cities.models import City
from panjereh.cities.services import storage_scale_error
from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Parcel
from panjereh.democity.models import DemoBuild
from panjereh.democity.people import DEFAULT_DEMO_PASSWORD, DEMO_PASSWORD_ENV

CODE, PREFIX, NAME_FA, NAME_EN, CENTRE = "dezful", "DZF", "دزفول", "Dezful", (48.40, 32.38)
SERVED_BY = ["water", "power", "gas", "telecom", "fire"]
BLOCKS, PER_SIDE, WIDTH, DEPTH, STREET = 4, 4, 20.0, 30.0, 16.0  # 4 × 4 blocks of 4 × 2 parcels
PEOPLE = [  # username, role, name fa, name en, title fa, title en
    ("operator.dezful", "operator", "سمیه دهقان", "Somayeh Dehghan", "کارشناس پیشخوان", "Counter clerk"),
    ("reviewer.dezful", "reviewer", "محمد بهرامی", "Mohammad Bahrami", "کارشناس شهرسازی", "Planning reviewer"),
    ("signer.dezful", "signer", "مهندس لیلا نادری", "Leila Naderi", "معاون شهرسازی و معماری",
     "Deputy Mayor for Urban Planning"),
]


def _parcels(city: City) -> list[Parcel]:
    """A grid of blocks around the city's centre, each of two rows of four parcels, in the storage CRS."""
    (cx, cy), = shapely.get_coordinates(crsmod.to_storage(shapely.points([CENTRE]), "OGC:CRS84"))
    block_w, block_h = PER_SIDE * WIDTH + STREET, 2 * DEPTH + STREET
    x0, y0 = cx - BLOCKS * block_w / 2, cy - BLOCKS * block_h / 2
    uses = ["residential"] * 6 + ["commercial", "mixed"]
    made = []
    for bi in range(BLOCKS):
        for bj in range(BLOCKS):
            block = bi * BLOCKS + bj + 1
            for row in range(2):
                for k in range(PER_SIDE):
                    x, y = x0 + bi * block_w + k * WIDTH, y0 + bj * block_h + row * DEPTH
                    box = shapely.box(x, y, x + WIDTH, y + DEPTH)
                    sub = row * PER_SIDE + k + 1
                    made.append(Parcel(
                        city=city, registry_district=5, plate_main=3000 + block, plate_sub=sub,
                        postal_code=f"64{block:03d}{sub:05d}"[:10], land_use=uses[(block + sub) % len(uses)],
                        max_floors=4, max_density=240, area_m2=round(box.area, 2), region=1 + block % 4,
                        regional_value=9_000_000, geom=GEOSGeometry(box.wkt, srid=crsmod.STORAGE_SRID)))
    return made


def fits() -> bool:
    """Whether this deployment's storage CRS holds Dezful within the scale limit: a demo of another city (Mashhad,
    say, in zone 40) has no Khuzestan neighbour, and gets no second city."""
    lon, lat = CENTRE
    return storage_scale_error((lon - 0.06, lat - 0.06, lon + 0.06, lat + 0.06))[0] \
        <= settings.PANJEREH_MAX_SCALE_ERROR


def add_second_city() -> tuple[City, list[str]]:
    """Dezful with its parcels and demo staff, where they are missing; returns the city and the users made.
    Only in a demo city's database (its DemoBuild record), like every demo user, and where it ``fits``."""
    if not DemoBuild.objects.exists():
        raise ValueError("the second demo city is made only in a demo city's database")
    if not fits():
        raise ValueError("the second demo city, Dezful, is Ahvaz's neighbour: this deployment's storage CRS "
                         "would stretch its distances beyond the limit")
    with transaction.atomic():
        city = City.objects.filter(code=CODE).first() or agency_services.add_city(
            actor=None, code=CODE, prefix=PREFIX, name_fa=NAME_FA, name_en=NAME_EN, centre=CENTRE,
            half_width=0.06, served_by=[c for c in SERVED_BY if Agency.objects.filter(code=c).exists()])
        if not Parcel.objects.filter(city=city).exists():
            Parcel.objects.bulk_create(_parcels(city))
        municipality = Agency.objects.get(kind="municipality", cities=city)
        office = CounterOffice.objects.filter(city=city).order_by("id").first()
        password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
        users, made = get_user_model().objects, []
        for username, role, name_fa, name_en, title_fa, title_en in PEOPLE:
            if users.filter(username=username).exists():
                continue
            user = users.create_user(username, password=password)
            StaffProfile.objects.create(user=user, role=role, agency=None if role == "operator" else municipality,
                                        office=office if role == "operator" else None, name_fa=name_fa,
                                        name_en=name_en, title_fa=title_fa, title_en=title_en,
                                        signs_papers=role == "signer")
            made.append(username)
    return city, made


def open_files(count: int = 6) -> int:
    """A few files at Dezful's counter, waiting on its municipality and the provincial companies (once: none are
    opened where the city has files), so that each city's inbox and the provincial water company's show them."""
    import random

    from panjereh.permits.models import Application

    city = City.objects.filter(code=CODE).first()
    operator = get_user_model().objects.filter(username=PEOPLE[0][0]).first()
    if city is None or operator is None or Application.objects.filter(city=city).exists():
        return 0
    rng = random.Random(1405)
    parcels = list(Parcel.objects.filter(city=city, land_use="residential").order_by("id")[:count])
    for parcel in parcels:
        open_sample_file(parcel, office=operator.staff.office, actor=operator, rng=rng)
    return len(parcels)


def open_sample_file(parcel, *, office, actor, rng):
    """One made-up applicant's file at ``office`` for a two-unit house on ``parcel`` (the demo's and the
    province bench's waiting files)."""
    from panjereh.democity.history import SERVICES, _national_id
    from panjereh.permits import services
    from panjereh.permits.required_documents import required_documents

    return services.submit_application(
        actor=actor, parcel=parcel, office=office,
        applicant={"kind": "person", "national_id": _national_id(rng), "name": "متقاضی نمونه",
                   "mobile": f"0916{rng.randint(10**6, 10**7 - 1)}"},
        permit={"permit_type": "new", "land_use": "residential", "floors": 2, "units": 2,
                "gross_floor_area": round(parcel.area_m2 * 1.2), "parking_spaces": 1,
                "documents": required_documents("new")},
        services=SERVICES)
