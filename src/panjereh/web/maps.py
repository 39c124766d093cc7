"""Map pages: the shared city map, and the layer upload page.

The pages only describe what to draw; the browser fetches vector tiles, attributes (OGC API items), parcel
search and the dig check from the same endpoints any client uses, so the permission module decides what a
map shows exactly as it decides what the API returns.
"""

import json

import shapely
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_sameorigin

from panjereh import access
from panjereh.agencies.models import Agency
from panjereh.citymap import crs as crsmod
from panjereh.citymap import geojson, tiles
from panjereh.citymap.models import AssetKind, Layer, Parcel
from panjereh.citymap.tiles import layer_colour
from panjereh.citymap.vocabulary import ASSET_KINDS, AssetStatus, LandUse
from panjereh.core.text import normalize_digits
from panjereh.web.words import ATTRIBUTE_WORDS, words_for
from panjereh.works.views import STATUS_COLOURS

MAP_WORDS = ["layers", "map_search", "measure", "dig", "finish", "clear", "buffer_m", "distance_m", "attributes",
             "dig_result", "hidden_assets", "crosses", "depth", "nothing_found", "open_file", "metre", "no_assets",
             "map_help_measure", "map_help_dig", "all_layers", "error", "zoom_in_for", "km", "metres"]


def map_config(user, *, focus_parcel=None, agency_only=None) -> dict:
    """What the map page draws for ``user``: the layers they may see (grouped by agency), which are on,
    the initial extent in degrees, and the words of the interface in the active language.

    ``agency_only``: an agency code whose layers (with parcels and streets) start switched on, the rest
    off — the reviewer's view of a parcel with their own network around it.
    """
    language = get_language() or "fa"
    layers = access.visible_layers(user, Layer.objects.select_related("agency", "current_version")) \
        .order_by("agency__code", "code")
    profile = access.staff_profile(user)
    own = agency_only or (profile.agency.code if profile and profile.agency else None)
    groups: dict[str, dict] = {}
    extent = None
    for layer in layers:
        group = groups.setdefault(layer.agency.code, {
            "agency": layer.agency.code, "name": layer.agency.name_en if language == "en" else layer.agency.name_fa,
            "layers": []})
        on = layer.kind in ("parcels", "generic") or own is None or layer.agency.code == own
        group["layers"].append({
            "code": layer.code, "name": layer.name_en if language == "en" else layer.name_fa,
            "geometry": layer.geometry_type, "kind": layer.kind, "colour": layer_colour(layer),
            "minzoom": tiles.min_zoom(layer), "on": on,
            # streets (and any line layer of the agency's own attributes) carry their names in the tiles
            "labelled": layer.kind == "generic" and layer.geometry_type.endswith("LineString"),
            "version": layer.current_version_id or 0})
        bbox = layer.current_version.bbox if layer.current_version else None
        if bbox:
            extent = bbox if extent is None else [min(extent[0], bbox[0]), min(extent[1], bbox[1]),
                                                   max(extent[2], bbox[2]), max(extent[3], bbox[3])]
    focus = None
    if focus_parcel is not None:
        geometry = geojson.features([focus_parcel], geojson.parcel_properties)[0]["geometry"]
        focus = {"id": focus_parcel.pk, "geometry": geometry,
                 "bbox": list(shapely.bounds(shapely.from_geojson(json.dumps(geometry))))}
    return {"groups": list(groups.values()), "extent": extent or list(crsmod.city_bbox_lonlat()), "focus": focus,
            "can_view_parcels": access.can_view_parcels(user), "can_submit": access.can_submit(user),
            "signed_in": bool(user.is_authenticated), "language": language,
            "rtl_plugin": static("vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js"),
            # every agency's street works, for the staff who may see them (drawn from /api/v1/works/)
            "works": {"colours": STATUS_COLOURS} if access.can_view_works(user) else None,
            "words": words_for(MAP_WORDS, language),
            "attribute_names": {k[5:]: v for k, v in words_for(ATTRIBUTE_WORDS, language).items()},
            "value_names": value_names(language),
            "layer_names": {layer["code"]: layer["name"] for group in groups.values() for layer in group["layers"]}}


def value_names(language: str) -> dict:
    """What the attribute panel shows for a coded value, in the reader's language: land uses, asset kinds
    (built-in and the agencies' own), statuses, materials and agencies — never "residential" or "hydrant" on
    a Persian page. An agency's own free-text values are shown as they are."""
    from django.utils import translation

    english = language == "en"
    with translation.override(language):
        names = {**{v: str(label) for v, label in LandUse.choices},
                 **{v: str(label) for v, label in AssetStatus.choices}}
    names.update({code: (en if english else fa) for code, (_geom, _agency, fa, en) in ASSET_KINDS.items()})
    names.update({k.code: (k.name_en if english else k.name_fa) or k.code for k in AssetKind.objects.all()})
    names.update({a.code: a.name_en if english else a.name_fa for a in Agency.objects.all()})
    return names


@xframe_options_sameorigin  # the decide page embeds it; other sites still may not frame it
def map_page(request):
    """The shared city map: every layer this user may see, search, attributes, measure, dig check."""
    parcel = None
    if request.GET.get("parcel"):
        if not access.can_view_parcels(request.user):
            raise PermissionDenied("parcels are for staff")
        parcel = access.visible_parcels(request.user).filter(pk=_int(request.GET["parcel"])).first()
        if parcel is None:
            raise Http404("no such parcel")
    response = render(request, "web/map.html", {"config": map_config(request.user, focus_parcel=parcel),
                                                 "embed": request.GET.get("embed") == "1"})
    # The right-to-left text plugin is WebAssembly compiled from its own (served) script: allowed on this page.
    response._csp_update = {"script-src": ["'wasm-unsafe-eval'"]}
    return response


def _int(text) -> int:
    try:
        return int(normalize_digits(str(text)))
    except ValueError:
        raise Http404(f"«{text}» is not a number") from None


@login_required
def layer_upload(request, code):
    """Import a file as a new version of a layer, with upload progress and the import's errors listed.
    The form posts to the REST upload endpoint; only the owning agency's GIS staff may use it."""
    layer = access.visible_layers(request.user, Layer.objects.select_related("agency", "current_version")) \
        .filter(code=code).first()
    if layer is None:
        raise Http404("no such layer")
    if not access.can_change_layer(request.user, layer):
        raise PermissionDenied(f"only {layer.agency.code}'s GIS staff may change layer {layer.code}")
    versions = layer.versions.order_by("-number")[:10]
    words = words_for(["uploading", "importing", "imported", "rejected", "error"], get_language() or "fa")
    return render(request, "web/layer_upload.html", {"layer": layer, "versions": versions, "words": words})
