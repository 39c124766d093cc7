"""The works as a WZDx (Work Zone Data Exchange, v4.2) feed: a GeoJSON FeatureCollection of work-zone road
events for navigation apps and the public — where, when and on which streets, never contacts or notes."""

import datetime

import shapely
from django.conf import settings
from django.utils import timezone

from panjereh.citymap import crs as crsmod
from panjereh.core.calendar import TEHRAN
from panjereh.works.connections import CONNECTION_WORKS_TITLE
from panjereh.works.models import Works

VERSION = "4.2"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
PUBLISHED = (Works.Status.PERMITTED, Works.Status.DEEMED, Works.Status.IN_PROGRESS)


def _utc(day: datetime.date, end: bool = False) -> str:
    moment = datetime.datetime.combine(day, datetime.time(23, 59, 59) if end else datetime.time(0), tzinfo=TEHRAN)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(works: Works) -> dict:
    """WZDx locates a work zone by a LineString (CRS84): a polygon's boundary, a multi-line's longest part."""
    geom = crsmod.to_crs84(shapely.from_wkb(bytes(works.geom.wkb)))
    if geom.geom_type == "Polygon":
        geom = shapely.LineString(geom.exterior.coords)
    elif geom.geom_type.startswith("Multi"):
        geom = max(geom.geoms, key=lambda g: g.length)
        if geom.geom_type == "Polygon":
            geom = shapely.LineString(geom.exterior.coords)
    return {"type": "LineString", "coordinates": [[round(x, 7), round(y, 7)] for x, y in geom.coords]}


def _public_name(works: Works) -> str:
    """The work zone's name as the public may read it. A trench the single window raised for a connection is
    named by what is dug, never by its file (its stored title, from before this rule, may carry the file's
    tracking code); other works by the title their agency gave them."""
    if works.connection_order_id:
        return f"{CONNECTION_WORKS_TITLE} — {works.agency.name_fa}"
    return works.title or works.reference


def wzdx_feed(*, today: datetime.date | None = None) -> dict:
    """The feed: permitted and ongoing works that have not ended (as of ``today``)."""
    today = today or timezone.localdate()
    agencies = {}
    features = []
    for works in Works.objects.filter(status__in=PUBLISHED, end_date__gte=today).exclude(kind=Works.Kind.PLAN) \
            .select_related("agency").order_by("start_date", "id"):
        agencies[works.agency.code] = works.agency
        features.append({
            "id": f"panjereh-works-{works.pk}", "type": "Feature", "geometry": _line(works),
            "properties": {
                "core_details": {"event_type": "work-zone", "data_source_id": f"panjereh-{works.agency.code}",
                                 "road_names": works.streets or ["—"], "direction": "undefined",
                                 "name": _public_name(works),
                                 "description": f"{works.agency.name_fa} — {works.get_works_class_display()}"},
                "start_date": _utc(works.start_date), "end_date": _utc(works.end_date, end=True),
                "is_start_date_verified": works.status == Works.Status.IN_PROGRESS, "is_end_date_verified": False,
                "is_start_position_verified": False, "is_end_position_verified": False,
                "vehicle_impact": "some-lanes-closed" if works.kind == Works.Kind.WORKS else "unknown",
                "location_method": "other",
                "types_of_work": [{"type_name": "surface-work" if works.kind == Works.Kind.RESURFACING
                                   else "below-road-work"}]}})
    return {"feed_info": {"publisher": f"{settings.PANJEREH_CITY_NAME} — Panjereh",
                          "version": VERSION, "license": LICENSE, "update_frequency": 300,
                          "update_date": timezone.now().astimezone(datetime.timezone.utc)
                          .strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "data_sources": [{"data_source_id": f"panjereh-{code}", "organization_name": a.name_en}
                                           for code, a in sorted(agencies.items())]
                          or [{"data_source_id": "panjereh", "organization_name": "Panjereh"}]},
            "type": "FeatureCollection", "features": features}
