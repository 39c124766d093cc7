"""REST API of the shared map: thin views that check input and permissions, then call the services."""

import json
import os
import re
import shutil
import tempfile

import shapely
from django.conf import settings
from django.db.models import Q
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh import access
from panjereh.agencies import map_basic
from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap import fence, geojson, queries
from panjereh.citymap.exporting import EXPORT_FORMATS, ExportRefused, export_layer
from panjereh.citymap.importing import ImportRejected
from panjereh.citymap.models import Feature, Layer, Parcel
from panjereh.citymap.services import (
    LayerConflict,
    LayerError,
    SpatialInputError,
    create_layer,
    dig_check,
    import_layer,
    parcel_feasibility,
    parse_dig_area,
    rollback_layer,
)
from panjereh.citymap.tiles import TileError, cached_tile, tile_storage_bounds
from panjereh.core.api_errors import error_response, field_error
from panjereh.core.ids import parse_id
from panjereh.core.parsers import JSONParser
from panjereh.core.text import Localized, normalize_digits, normalize_text, search_key

MAX_PAGE = 1000


def parse_bbox(raw: str | None, field: str = "bbox"):
    """Parse ``west,south,east,north`` in degrees (any digits); raise ValidationError naming the field."""
    if raw in (None, ""):
        return None
    parts = normalize_digits(raw).split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValidationError({field: [_("«%(raw)s» is not four numbers: west,south,east,north.")
            % Localized({"raw": raw})]}) \
            from None
    if len(values) != 4:
        raise ValidationError({field: [_("Four numbers are needed (west,south,east,north); %(count)s were given.")
                                  % Localized({"count": len(values)})]})
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise ValidationError({field: [_("Longitudes must be within ±180 and latitudes within ±90.")]})
    if west > east or south > north:
        raise ValidationError({field: [_("West must not exceed east, nor south exceed north.")]})
    return tuple(values)


def parse_paging(request, default: int = 100, maximum: int = MAX_PAGE) -> tuple[int, int]:
    """Read ``limit`` and ``offset`` with bounds; raise ValidationError naming the bad one."""
    out = []
    for name, fallback, low, high in (("limit", default, 1, maximum), ("offset", 0, 0, 10**9)):
        raw = request.query_params.get(name)
        if raw in (None, ""):
            out.append(fallback)
            continue
        try:
            value = int(normalize_digits(raw))
        except ValueError:
            raise ValidationError({name: [_("«%(value)s» is not a whole number.")
                % Localized({"value": raw})]}) from None
        if not low <= value <= high:
            raise ValidationError({name: [_("It must be between %(low)s and %(high)s.")
                % Localized({"low": low, "high": high})]})
        out.append(value)
    return out[0], out[1]


def parcel_search(q: str):
    """A Q for parcels matching a plate (main/sub or district/main/sub), a postal code or a main plate."""
    text = normalize_text(q).replace("\\", "/").replace("-", "/").replace(" ", "")
    if re.fullmatch(r"\d{10}", text, re.ASCII):
        return Q(postal_code=text)
    if re.fullmatch(r"\d+/\d+/\d+", text, re.ASCII):
        district, main, sub = (int(x) for x in text.split("/"))
        return Q(registry_district=district, plate_main=main, plate_sub=sub)
    if re.fullmatch(r"\d+/\d+", text, re.ASCII):
        main, sub = (int(x) for x in text.split("/"))
        return Q(plate_main=main, plate_sub=sub)
    if re.fullmatch(r"\d{1,9}", text, re.ASCII):
        return Q(plate_main=int(text))
    raise ValidationError({"q": [_("«%(q)s» is not a plate (main/sub or district/main/sub) nor a 10-digit postal "
                                   "code.") % Localized({"q": q})]})


class ParcelsAllowed:
    """Parcels are for staff: ask the permission module."""

    @staticmethod
    def check(request):
        if not access.can_view_parcels(request.user):
            raise PermissionDenied("you may not view parcels")


GEOJSON_COLLECTION = inline_serializer("FeatureCollection", fields={
    "type": serializers.CharField(), "features": serializers.ListField(child=serializers.DictField()),
    "numberMatched": serializers.IntegerField(), "numberReturned": serializers.IntegerField()})


class ParcelListView(APIView):
    @extend_schema(operation_id="parcels_list", summary="Find parcels by plate or postal code and/or a lon/lat box (GeoJSON, CRS84)",
                   parameters=[OpenApiParameter("q", str), OpenApiParameter("bbox", str),
                               OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
                   responses={(200, "application/geo+json"): GEOJSON_COLLECTION})
    def get(self, request):
        ParcelsAllowed.check(request)
        limit, offset = parse_paging(request)
        q = request.query_params.get("q")
        bbox = parse_bbox(request.query_params.get("bbox"))
        qs = access.visible_parcels(request.user)
        if q:
            qs = qs.filter(parcel_search(q))
        if bbox and not q:
            # The spatial index pages the box (GeoDjango's lookups would scan on SpatiaLite).
            area = crsmod.bbox_crs84_to_storage(bbox)
            cities = access.city_ids(request.user)
            total = queries.count_parcels_in_area(area, cities)
            ids = queries.parcels_in_area(area, limit, offset=offset, cities=cities)
            found = qs.in_bulk(ids)
            page = [found[i] for i in ids]
        else:
            if bbox:  # a plate or postal code has already narrowed it to a few parcels
                qs = qs.filter(geom__intersects=_geos(crsmod.bbox_crs84_to_storage(bbox)))
            total = qs.count()
            page = list(qs.order_by("id")[offset:offset + limit])
        body = {"type": "FeatureCollection", "features": geojson.features(page, geojson.parcel_properties),
                "numberMatched": total, "numberReturned": len(page)}
        if offset + len(page) < total:
            params = request.query_params.copy()
            params["offset"] = str(offset + limit)
            params["limit"] = str(limit)
            body["links"] = [{"rel": "next", "href": request.build_absolute_uri(f"?{params.urlencode()}")}]
        return Response(body, content_type="application/geo+json")


def _geos(shape):
    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(shape.wkt, srid=crsmod.STORAGE_SRID)


def _parcel_id(pk) -> int:
    try:
        return parse_id(pk)
    except ValueError:
        raise NotFound(f"parcel {pk} does not exist") from None


def _parcel(pk, user) -> Parcel:
    """The parcel, when it lies in a city ``user`` works in (another city's is not found)."""
    try:
        return access.visible_parcels(user).get(pk=_parcel_id(pk))
    except Parcel.DoesNotExist:
        raise NotFound(f"parcel {pk} does not exist") from None


class ParcelDetailView(APIView):
    @extend_schema(summary="One parcel (GeoJSON Feature, CRS84)",
                   responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    def get(self, request, pk):
        ParcelsAllowed.check(request)
        parcel = _parcel(pk, request.user)
        return Response(geojson.features([parcel], geojson.parcel_properties)[0],
                        content_type="application/geo+json")


class ParcelFeasibilityView(APIView):
    @extend_schema(summary="Can each utility reach this parcel? Nearest network, distance, and what would fix it",
                   responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        ParcelsAllowed.check(request)
        parcel_id = _parcel_id(pk)
        if access.city_ids(request.user) is not None \
                and not access.visible_parcels(request.user).filter(pk=parcel_id).exists():
            raise NotFound(f"parcel {pk} does not exist")  # another city's parcel, as if it did not exist
        try:
            answer = parcel_feasibility(parcel_id)
        except Parcel.DoesNotExist:
            raise NotFound(f"parcel {pk} does not exist") from None
        return Response(access.redact("feasibility", request.user, answer))


class DigCheckRequest(serializers.Serializer):
    geometry = serializers.JSONField(help_text="GeoJSON geometry in CRS84 (lon, lat): the planned trench")
    buffer_m = serializers.FloatField(min_value=0, max_value=settings.PANJEREH_DIGCHECK_MAX_BUFFER_M,
                                      help_text="metres either side of the trench")


class DigCheckView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(summary="Everything within buffer_m of a planned trench, grouped by owning agency, with depths",
                   request=DigCheckRequest, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        body = DigCheckRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            area = parse_dig_area(body.validated_data["geometry"], body.validated_data["buffer_m"])
        except SpatialInputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        if fence.outside(request.user, area.geometry):
            raise ValidationError({"geometry": [_("The trench lies outside the cities you work in.")]})
        return Response(dig_check(area, user=request.user))


class AssetSearchView(APIView):
    """Find network assets by their agency's own id (a valve, a transformer, a cabinet) in the current
    versions of the layers this user may see."""

    MAX_RESULTS = 20

    @extend_schema(operation_id="assets_search", summary="Find assets by their agency id in the layers you may see "
                   "(exact match first, then ids starting with it; GeoJSON, CRS84)",
                   parameters=[OpenApiParameter("q", str, required=True)],
                   responses={(200, "application/geo+json"): GEOJSON_COLLECTION})
    def get(self, request):
        q = normalize_text(request.query_params.get("q", "")).strip()
        if not q:
            raise ValidationError({"q": [_("Give an asset id to look for.")]})
        if len(q) > 64:
            raise ValidationError({"q": [_("«%(q)s…» is longer than an asset id (64 characters).")
                % Localized({"q": q[:20]})]})
        versions = list(access.visible_layers(request.user).exclude(kind=Layer.Kind.PARCELS)
                        .exclude(current_version=None).values_list("current_version_id", flat=True))
        current = Feature.objects.filter(version_id__in=versions).select_related("agency", "layer")
        exact = list(current.filter(ext_id__iexact=q).order_by("id")[:self.MAX_RESULTS])
        more = list(current.filter(ext_id__istartswith=q).exclude(pk__in=[f.pk for f in exact])
                    .order_by("ext_id", "id")[:self.MAX_RESULTS - len(exact)]) if len(exact) < self.MAX_RESULTS else []
        found = [f for f in exact + more if not fence.outside(request.user, shapely.from_wkb(bytes(f.geom.wkb)))]
        return Response({"type": "FeatureCollection", "features": geojson.features(found, geojson.feature_properties),
                         "numberReturned": len(found), "numberMatched": len(found)},
                        content_type="application/geo+json")


class StreetSearchView(APIView):
    """Find streets by name in the named line layers this user may see: the search key forgives Arabic or
    Persian letters and digits, a half-space for a space and a tatweel; the names come back as written."""

    MAX_RESULTS = 20
    permission_classes = [AllowAny]  # public layers are searched for anyone; the rest by visible_layers

    @extend_schema(operation_id="streets_search", summary="Find streets by name (Persian-normalised search key; "
                   "one feature per street, its segments merged; GeoJSON, CRS84)",
                   parameters=[OpenApiParameter("q", str, required=True)],
                   responses={(200, "application/geo+json"): GEOJSON_COLLECTION})
    def get(self, request):
        key = search_key(request.query_params.get("q", ""))
        if len(key) < 2:
            raise ValidationError({"q": [_("Give at least two letters of the street's name.")]})
        if len(key) > 100:
            raise ValidationError({"q": [_("A street name is at most 100 characters.")]})
        versions = list(access.visible_layers(request.user).filter(kind=Layer.Kind.GENERIC)
                        .filter(geometry_type__endswith="LineString").exclude(current_version=None)
                        .values_list("current_version_id", flat=True))
        found = []
        for name, segments in queries.streets_named(versions, key, limit=self.MAX_RESULTS):
            merged = shapely.union_all([shapely.from_wkb(bytes(f.geom.wkb)) for f in segments])
            if fence.outside(request.user, merged):
                continue  # another city's street of the same name
            merged = crsmod.to_crs84(merged)
            found.append({"type": "Feature", "id": segments[0].pk, "geometry": json.loads(shapely.to_geojson(merged)),
                          "properties": {"name": name, "layer": segments[0].layer.code, "segments": len(segments)}})
        return Response({"type": "FeatureCollection", "features": found, "numberReturned": len(found),
                         "numberMatched": len(found)}, content_type="application/geo+json")


# --- layers ------------------------------------------------------------------------------------

def layer_summary(layer: Layer, user, request=None) -> dict:
    current = layer.current_version
    return {"code": layer.code, "name_fa": layer.name_fa, "name_en": layer.name_en, "agency": layer.agency.code,
            "kind": layer.kind, "geometry_type": layer.geometry_type, "allowed_kinds": layer.allowed_kinds,
            "visibility": layer.visibility,
            "current_version": current.number if current else None,
            "feature_count": current.feature_count if current else 0,
            "can_change": access.can_change_layer(user, layer)}


def _layer(request, code) -> Layer:
    layer = access.visible_layers(request.user, Layer.objects.select_related("agency", "current_version")) \
        .filter(code=code).first()
    if layer is None:
        # Hidden and missing look the same: a hidden layer's existence is not disclosed.
        raise NotFound(f"layer «{code}» does not exist")
    return layer


def version_summary(v) -> dict:
    return {"number": v.number, "created_at": v.created_at, "created_by": v.created_by.username if v.created_by
            else None, "source_name": v.source_name, "source_format": v.source_format, "source_crs": v.source_crs,
            "feature_count": v.feature_count, "repaired_count": v.repaired_count, "note": v.note,
            "is_current": v.layer.current_version_id == v.pk, "archived": v.archived_at is not None}


class LayerCreate(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    name_fa = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    agency = serializers.CharField(max_length=32, required=False, help_text="default: your own agency")
    kind = serializers.ChoiceField(choices=["network", "generic"])
    geometry_type = serializers.ChoiceField(choices=["Point", "LineString", "Polygon", "Any"])
    visibility = serializers.ChoiceField(choices=["public", "staff", "agency"], default="staff")
    allowed_kinds = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)


class LayerListView(APIView):
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module

    @extend_schema(operation_id="layers_list", summary="Layers you may see", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        layers = access.visible_layers(request.user, Layer.objects.select_related("agency", "current_version"))
        return Response({"layers": [layer_summary(layer, request.user) for layer in layers]})

    @extend_schema(operation_id="layers_create", summary="Create a layer (an agency's GIS staff, for its agency)",
                   request=LayerCreate, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        # permission first: whoever may create no layer at all learns nothing of the form (not even its fields)
        profile = access.staff_profile(request.user)
        own = profile.agency if profile and profile.agency else None
        if not (access.role(request.user) == "admin" or access.can_create_layer(request.user, own)):
            raise PermissionDenied("an agency's GIS staff create its own layers")
        body = LayerCreate(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        code = d.pop("agency", None) or (own.code if own else "")
        agency = Agency.objects.filter(code=code).first()
        if not access.can_create_layer(request.user, agency):
            raise PermissionDenied("an agency's GIS staff create its own layers")
        try:
            layer = create_layer(actor=request.user, agency=agency, **d)
        except LayerError as exc:
            return field_error(status.HTTP_400_BAD_REQUEST, exc.field, str(exc))
        return Response(layer_summary(layer, request.user), status=status.HTTP_201_CREATED)


class LayerDetailView(APIView):
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module

    @extend_schema(summary="One layer", responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        return Response(layer_summary(_layer(request, code), request.user))


class LayerVersionsView(APIView):
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module

    @extend_schema(summary="Every version of a layer, newest first", responses=OpenApiTypes.OBJECT)
    def get(self, request, code):
        layer = _layer(request, code)
        versions = layer.versions.select_related("created_by", "layer").order_by("-number")
        return Response({"layer": layer.code, "versions": [version_summary(v) for v in versions]})


class UploadRequest(serializers.Serializer):
    file = serializers.FileField()
    crs = serializers.CharField(required=False, help_text="the file's CRS, when it does not declare one")
    repair = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)
    base_version = serializers.IntegerField(required=False, min_value=0,
                                            help_text="the version you saw; refused with 409 if the layer moved on")
    keep_geometry = serializers.ChoiceField(choices=["Point", "LineString", "Polygon"], required=False,
                                            help_text="of a file whose geometry types are mixed, import only these")


class LayerUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Import a file as a new version of the layer (owning agency's GIS staff only)",
                   request=UploadRequest, responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request, code):
        layer = _layer(request, code)
        if not access.can_change_layer(request.user, layer):
            raise PermissionDenied(f"only {layer.agency.code}'s GIS staff may change layer {layer.code}")
        upload = request.FILES.get("file")
        if upload is not None and upload.size > settings.PANJEREH_IMPORT_MAX_BYTES:
            raise ValidationError({"file": [f"{upload.name}: file is {upload.size / 1e6:.1f} MB, over the limit of "
                                            f"{settings.PANJEREH_IMPORT_MAX_BYTES / 1e6:.1f} MB"]})
        body = UploadRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]
        suffix = os.path.splitext(upload.name)[1].lower()[:10]
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                version = import_layer(layer=layer, path=tmp.name, original_name=upload.name, actor=request.user,
                                       declared_crs=data.get("crs"), repair=data["repair"], note=data["note"],
                                       base_version=data.get("base_version"),
                                       keep_geometry=data.get("keep_geometry") or None)
            except ImportRejected as exc:
                return error_response(status.HTTP_400_BAD_REQUEST, "import_rejected",
                                      _("%(name)s was not imported; nothing changed.")
                                      % Localized({"name": upload.name}),
                                      {"file": exc.errors, "total": exc.total})
            except LayerConflict as exc:
                return error_response(status.HTTP_409_CONFLICT, "conflict", str(exc))
        return Response(version_summary(version), status=status.HTTP_201_CREATED)


class RollbackRequest(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class LayerRollbackView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(summary="Make an earlier version current again (owning agency's GIS staff only)",
                   request=RollbackRequest, responses=OpenApiTypes.OBJECT)
    def post(self, request, code):
        layer = _layer(request, code)
        if not access.can_change_layer(request.user, layer):
            raise PermissionDenied(f"only {layer.agency.code}'s GIS staff may change layer {layer.code}")
        body = RollbackRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            version = rollback_layer(layer=layer, version_number=body.validated_data["version"], actor=request.user)
        except LayerConflict as exc:
            return error_response(status.HTTP_409_CONFLICT, "conflict", str(exc))
        return Response(version_summary(version))


class LayerExportView(APIView):
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module

    @extend_schema(summary="Download a layer version as GeoJSON, GeoPackage or zipped Shapefile",
                   parameters=[OpenApiParameter("format", str, enum=sorted(EXPORT_FORMATS)),
                               OpenApiParameter("version", int)],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, code):
        layer = _layer(request, code)
        fmt = request.query_params.get("format", "geojson")
        if fmt not in EXPORT_FORMATS:
            raise ValidationError({"format": [f"«{fmt}» is not one of {', '.join(sorted(EXPORT_FORMATS))}"]})
        version = None
        if request.query_params.get("version"):
            try:
                version = layer.versions.get(number=int(normalize_digits(request.query_params["version"])))
            except (ValueError, layer.versions.model.DoesNotExist):
                raise NotFound(f"layer {code} has no version {request.query_params['version']}") from None
        if (version or layer.current_version) is None:
            raise NotFound(f"layer {code} has no version yet")
        extent = (version or layer.current_version).bbox
        if fence.user_fence(request.user) is not None and extent and not shapely.contains(
                shapely.buffer(fence.user_fence(request.user), 1.0), crsmod.bbox_crs84_to_storage(tuple(extent))):
            raise PermissionDenied(_("This layer reaches beyond the cities you work in: read it through the map "
                                     "or the OGC API, which show your cities' part."))
        directory = tempfile.mkdtemp(prefix="panjereh-export-")
        try:
            path = export_layer(layer, fmt, version=version, directory=directory)
            handle = open(path, "rb")
        except ExportRefused as exc:
            return error_response(status.HTTP_400_BAD_REQUEST, "format_cannot_hold",
                                  str(exc), {"format": [str(exc)], "fields": exc.fields})
        finally:
            # The open handle keeps the file readable while it streams; the folder is gone at once, whatever
            # happens to the download (nothing piles up in the system's temporary directory).
            shutil.rmtree(directory, ignore_errors=True)
        return FileResponse(handle, as_attachment=True, filename=os.path.basename(path))


class MVTRenderer:
    media_type = "application/vnd.mapbox-vector-tile"
    format = "mvt"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class TileView(APIView):
    """A layer's vector tile; hidden layers are 404 here as everywhere (the same permission module)."""

    # a desktop GIS signs in with a user name and password (agencies.map_basic)
    authentication_classes = map_basic.read_authentication()

    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module
    renderer_classes = [MVTRenderer]
    schema = None

    def get(self, request, code, z, x, y):
        layer = access.readable_layer(request.user, code)  # one plain statement: asked for every tile
        if layer is None:
            raise NotFound(f"layer «{code}» does not exist")
        try:
            beyond = fence.tile_outside(request.user, tile_storage_bounds(int(z), int(x), int(y)))
            body = b"" if beyond else cached_tile(layer, int(z), int(x), int(y))  # another city's: empty
        except TileError as exc:
            raise NotFound(str(exc)) from exc
        response = Response(body, content_type=MVTRenderer.media_type)
        # The map page asks with ?v=<current version id>: that URL's tile never changes (a new version is a new
        # URL), so the browser may keep it. Other clients get a minute.
        pinned = request.query_params.get("v") == str(layer.current_version_id)
        response["Cache-Control"] = "private, max-age=86400, immutable" if pinned else "private, max-age=60"
        return response
