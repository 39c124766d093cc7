"""OGC API – Features, Part 1 Core, at /ogc/: one collection per layer the caller may see.

A thin adapter: paging, links and GeoJSON here; who sees what comes from
:mod:`panjereh.access`, the same module the REST API and pages use.
Next links carry a keyset cursor (``after``), so deep pages stay fast.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from panjereh import access
from panjereh.agencies import map_basic
from panjereh.citymap import crs as crsmod
from panjereh.citymap import fence, geojson, geojson_sql, queries, spatial_sql
from panjereh.citymap.api import parse_bbox
from panjereh.citymap.models import Feature, Layer, Parcel
from panjereh.core.text import Localized, normalize_digits

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
log = logging.getLogger(__name__)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ITEM_PARAMS = {"bbox", "limit", "after", "f", "bbox-crs"}


class OGCError(APIException):
    """An OGC exception: {"code", "description"} with the right status."""

    def __init__(self, status_code: int, code: str, description: str):
        self.status_code = status_code
        super().__init__(detail={"code": code, "description": description})


class JSONAnyRenderer(JSONRenderer):
    media_type = "application/json"
    charset = None


class FirstRenderer(BaseContentNegotiation):
    """Always JSON: GDAL and QGIS ask with various Accept headers and must not get 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OGCView(APIView):

    # a desktop GIS signs in with a user name and password (agencies.map_basic)
    authentication_classes = map_basic.read_authentication()
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module
    renderer_classes = [JSONAnyRenderer]
    content_negotiation_class = FirstRenderer
    schema = None  # described by the OGC standard, not by Panjereh's REST schema

    def get_exception_handler(self):
        """OGC clients expect {"code", "description"}, not the REST API's error envelope."""
        def handler(exc, context):
            response = drf_exception_handler(exc, context)
            if response is not None:
                if isinstance(exc, OGCError):
                    response.data = {k: str(v) for k, v in exc.detail.items()}
                else:
                    response.data = {"code": type(exc).__name__, "description": str(getattr(exc, "detail", exc))}
            return response
        return handler

    def url(self, name, *args, query: str = "") -> str:
        return self.request.build_absolute_uri(reverse(name, args=args)) + (f"?{query}" if query else "")


@dataclass(frozen=True)
class ExtraCollection:
    """A collection served from another app's model (street works), registered by that app at start, so the
    map's OGC machinery stays below the apps that use it. ``queryset(user)`` returns the objects (with a
    ``geom`` in the storage CRS) the user may read, or None when the user may read none of them."""

    id: str
    title: str
    description: str
    queryset: Callable
    properties: Callable


EXTRA_COLLECTIONS: dict[str, ExtraCollection] = {}


def register_collection(collection: ExtraCollection) -> None:
    """Serve ``collection`` at /ogc/collections/<id>/ beside the layers (to the users its queryset allows)."""
    EXTRA_COLLECTIONS[collection.id] = collection


def _collections(user):
    return access.visible_layers(user, Layer.objects.select_related("agency", "current_version"))


def _extras(user) -> list[tuple[ExtraCollection, object]]:
    found = [(c, c.queryset(user)) for c in EXTRA_COLLECTIONS.values()]
    return [(c, qs) for c, qs in found if qs is not None]


def _collection(user, collection_id, *, lean: bool = False):
    """The layer (or registered collection, with the user's queryset) called ``collection_id``, or 404.
    ``lean``: the layer with its current version only (access.readable_layer, one plain statement), for the
    items pages, which need nothing else of it."""
    extra = EXTRA_COLLECTIONS.get(collection_id)
    if extra is not None:
        qs = extra.queryset(user)
        if qs is not None:
            return extra, qs
    if lean:
        layer = access.readable_layer(user, collection_id)
    else:
        layer = _collections(user).filter(code=collection_id).first()
    if layer is None:
        raise OGCError(404, "NotFound", _("Collection «%(id)s» does not exist.") % Localized({"id": collection_id}))
    return layer


class LandingView(OGCView):
    def get(self, request):
        return Response({
            "title": f"Panjereh — {settings.PANJEREH_CITY_NAME}",
            "description": "The shared city map: parcels and every agency's networks (OGC API – Features)",
            "links": [
                {"rel": "self", "type": "application/json", "href": self.url("ogc-landing")},
                {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
                 "href": request.build_absolute_uri("/api/v1/schema/")},
                {"rel": "conformance", "type": "application/json", "href": self.url("ogc-conformance")},
                {"rel": "data", "type": "application/json", "href": self.url("ogc-collections")},
            ]})


class ConformanceView(OGCView):
    def get(self, request):
        return Response({"conformsTo": CONFORMANCE})


class CollectionsView(OGCView):
    def get(self, request):
        collections = []
        for layer in _collections(request.user):
            try:
                collections.append(self.describe(layer))
            except NoReverseMatch:  # a code no address can hold (made before codes were checked): left out,
                log.warning("layer %r has a code no OGC address can hold; not listed", layer.code)  # not a 500
        collections += [self.describe_extra(extra) for extra, _qs in _extras(request.user)]
        return Response({"links": [{"rel": "self", "type": "application/json", "href": self.url("ogc-collections")}],
                         "collections": collections})

    def describe(self, layer: Layer) -> dict:
        version = layer.current_version
        bbox = list(version.bbox) if version and version.bbox else list(crsmod.city_bbox_lonlat())
        return {
            "id": layer.code, "title": layer.name_fa, "description": f"{layer.name_en} — {layer.agency.name_en}",
            "itemType": "feature", "crs": [CRS84],
            "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
            "links": [
                {"rel": "self", "type": "application/json", "href": self.url("ogc-collection", layer.code)},
                {"rel": "items", "type": "application/geo+json", "href": self.url("ogc-items", layer.code)},
            ]}


    def describe_extra(self, extra: ExtraCollection) -> dict:
        return {
            "id": extra.id, "title": str(extra.title), "description": str(extra.description), "itemType": "feature",
            "crs": [CRS84], "extent": {"spatial": {"bbox": [list(crsmod.city_bbox_lonlat())], "crs": CRS84}},
            "links": [
                {"rel": "self", "type": "application/json", "href": self.url("ogc-collection", extra.id)},
                {"rel": "items", "type": "application/geo+json", "href": self.url("ogc-items", extra.id)},
            ]}


class CollectionView(CollectionsView):
    def get(self, request, collection_id):
        found = _collection(request.user, collection_id)
        if isinstance(found, tuple):
            return Response(self.describe_extra(found[0]))
        return Response(self.describe(found))


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(normalize_digits(raw))
    except ValueError:
        raise OGCError(400, "InvalidParameterValue", _("%(name)s: «%(value)s» is not a whole number.")
            % Localized({"name": name, "value": raw})) from None
    if name == "limit":
        return max(low, min(value, high)) if value >= 1 else _bad(name, _("It must be at least %(low)s.")
            % Localized({"low": low}))
    if not low <= value <= high:
        _bad(name, _("It must be between %(low)s and %(high)s.") % Localized({"low": low, "high": high}))
    return value


def _bad(name, message):
    raise OGCError(400, "InvalidParameterValue", f"{name}: {message}")


def _matched(layer, area, after: int, returned: int, more: bool) -> int:
    """numberMatched: counted only when the page does not tell it (a first page with no next page holds every
    match), so a small answer costs one statement, not two."""
    if after == 0 and not more:
        return returned
    parcels = layer.kind == Layer.Kind.PARCELS
    if area is not None:
        return (queries.count_parcels_in_area(area) if parcels
                else queries.count_features_in_area(layer.current_version_id, area))
    return (Parcel.objects.count() if parcels
            else Feature.objects.filter(version_id=layer.current_version_id).count())


class ItemsView(OGCView):
    def get(self, request, collection_id):
        found = _collection(request.user, collection_id, lean=True)
        unknown = set(request.query_params) - ITEM_PARAMS
        if unknown:
            raise OGCError(400, "InvalidParameterValue", _("Unknown parameters: %(names)s.")
                % Localized({"names": ", ".join(sorted(unknown))}))
        crs_param = request.query_params.get("bbox-crs")
        if crs_param and crs_param != CRS84:
            raise OGCError(400, "InvalidParameterValue", _("bbox-crs: only %(crs)s is supported.")
                % Localized({"crs": CRS84}))
        limit = _int_param(request, "limit", 100, 1, settings.PANJEREH_OGC_MAX_LIMIT)
        after = _int_param(request, "after", 0, 0, 2**62)
        try:
            bbox = parse_bbox(request.query_params.get("bbox"))
        except Exception as exc:  # ValidationError from the shared parser: re-shape as an OGC error
            raise OGCError(400, "InvalidParameterValue", f"bbox: {getattr(exc, 'detail', exc)}") from exc
        if isinstance(found, tuple):
            return self.extra_items(request, *found, bbox=bbox, limit=limit, after=after)
        layer = found
        parcels = layer.kind == Layer.Kind.PARCELS
        area = fence.fenced(request.user, crsmod.bbox_crs84_to_storage(bbox) if bbox else None)
        if area is not None and area.is_empty:  # the box lies outside the cities this user works in
            return self.page(request, layer.code, [], geojson.feature_properties, 0, False, limit)
        if spatial_sql.is_postgis():
            return self.written_by_postgis(request, layer, area, limit=limit, after=after)
        if parcels:
            qs, props = Parcel.objects.all(), geojson.parcel_properties
        else:
            props = geojson.feature_properties
            qs = Feature.objects.filter(version_id=layer.current_version_id).select_related("agency", "layer")
        # One row more than the page tells whether there is a next page.
        if area is not None:
            # Intersection, as Part 1 asks (requirement /req/core/fc-bbox-response): the index narrows by
            # bounding box, ST_Intersects keeps only what the box touches.
            if parcels:
                ids = queries.parcels_in_area(area, limit + 1, after=after)
            else:
                ids = queries.features_in_area(layer.current_version_id, area, limit + 1, after=after)
            by_id = qs.in_bulk(ids[:limit])
            page = [by_id[i] for i in ids[:limit]]
            more = len(ids) > limit
        else:
            rows = list(qs.filter(pk__gt=after).order_by("pk")[:limit + 1])
            page, more = rows[:limit], len(rows) > limit
        matched = _matched(layer, area, after, len(page), more)
        return self.page(request, layer.code, page, props, matched, more, limit)

    def written_by_postgis(self, request, layer, area, *, limit, after):
        """The page's features written by PostGIS (citymap.geojson_sql), the collection around them here; the
        body is bytes, not a structure for the renderer to walk again."""
        if layer.kind == Layer.Kind.PARCELS:
            rows = geojson_sql.parcels_page(area, after=after, limit=limit + 1)
        else:
            rows = geojson_sql.features_page(layer.current_version_id, area, after=after, limit=limit + 1)
        page, more = rows[:limit], len(rows) > limit
        matched = _matched(layer, area, after, len(page), more)
        links = self.links(request, layer.code, page[-1][0] if page else None, more, limit)
        body = (f'{{"type":"FeatureCollection","features":[{",".join(text for _pk, text in page)}],'
                f'"numberMatched":{matched},"numberReturned":{len(page)},"links":{json.dumps(links)}}}')
        return HttpResponse(body.encode(), content_type="application/geo+json")

    def links(self, request, collection_id, last_pk, more, limit) -> list[dict]:
        links = [{"rel": "self", "type": "application/geo+json", "href": request.build_absolute_uri()},
                 {"rel": "collection", "type": "application/json",
                  "href": self.url("ogc-collection", collection_id)}]
        if more:
            params = request.query_params.copy()
            params["after"] = str(last_pk)
            params["limit"] = str(limit)
            links.append({"rel": "next", "type": "application/geo+json",
                          "href": self.url("ogc-items", collection_id, query=params.urlencode())})
        return links

    def page(self, request, collection_id, page, props, matched, more, limit):
        body = {"type": "FeatureCollection", "features": geojson.features(page, props),
                "numberMatched": matched, "numberReturned": len(page),
                "links": self.links(request, collection_id, page[-1].pk if page else None, more, limit)}
        return Response(body, content_type="application/geo+json")

    def extra_items(self, request, extra: ExtraCollection, qs, *, bbox, limit, after):
        if bbox:
            box = GEOSGeometry(crsmod.bbox_crs84_to_storage(bbox).wkt, srid=crsmod.STORAGE_SRID)
            qs = qs.filter(geom__intersects=box)
        matched = qs.count()
        rows = list(qs.filter(pk__gt=after).order_by("pk")[:limit + 1])
        return self.page(request, extra.id, rows[:limit], extra.properties, matched, len(rows) > limit, limit)


class ItemView(OGCView):
    def get(self, request, collection_id, feature_id):
        layer = _collection(request.user, collection_id)
        try:
            fid = int(normalize_digits(feature_id))
        except ValueError:
            raise OGCError(404, "NotFound", _("Feature «%(id)s» does not exist.")
                % Localized({"id": feature_id})) from None
        if isinstance(layer, tuple):
            extra, qs = layer
            obj, props = qs.filter(pk=fid).first(), extra.properties
        elif layer.kind == Layer.Kind.PARCELS:
            obj, props = access.visible_parcels(request.user).filter(pk=fid).first(), geojson.parcel_properties
        else:
            obj = Feature.objects.filter(pk=fid, version_id=layer.current_version_id).select_related(
                "agency", "layer").first()
            props = geojson.feature_properties
        if obj is not None and not isinstance(layer, tuple) \
                and fence.outside(request.user, shapely.from_wkb(bytes(obj.geom.wkb))):
            obj = None  # another city's feature: not found, as everywhere
        if obj is None:
            raise OGCError(404, "NotFound", _("Feature %(id)s is not in collection %(collection)s.")
                           % Localized({"id": feature_id, "collection": collection_id}))
        body = geojson.features([obj], props)[0]
        body["links"] = [
            {"rel": "self", "type": "application/geo+json", "href": request.build_absolute_uri()},
            {"rel": "collection", "type": "application/json", "href": self.url("ogc-collection", collection_id)}]
        return Response(body, content_type="application/geo+json")
