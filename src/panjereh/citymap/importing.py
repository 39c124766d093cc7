"""Reading and checking a layer file before anything is written.

:func:`read_layer_file` opens GeoJSON, GeoPackage or a zipped Shapefile and
:func:`prepare_features` checks every feature against the layer. Both raise
:class:`ImportRejected` with one message per problem, naming the feature, so an
agency can fix its file; nothing is written until the whole file is clean.
"""

import datetime
import json
import math
import os
import stat
import tempfile
import zipfile
from dataclasses import InitVar, dataclass, field

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import KindAlias
from panjereh.citymap.vocabulary import ASSET_KINDS, KIND_ALIASES, MATERIALS, AssetStatus, alias_key
from panjereh.core.text import Localized, normalize_digits, normalize_text

MAX_LISTED_ERRORS = 100

FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile-zip"}

# Shapefile field names stop at 10 characters: accept the short names our own export writes,
# and the ones GDAL makes by truncating.
FIELD_ALIASES = {
    "diam_mm": "diameter_mm", "diameter_m": "diameter_mm",
    "pressure": "pressure_class", "pressure_c": "pressure_class",
    "voltage": "voltage_kv",
    "inst_year": "install_year", "install_ye": "install_year",
    "cap_kva": "capacity_kva", "capacity_k": "capacity_kva",
    "id": "ext_id", "ext_id": "ext_id", "asset_id": "ext_id",
}
NUMERIC_FIELDS = {
    # field: (python type, minimum, maximum)
    "diameter_mm": (float, 1, 5000),
    "depth_m": (float, 0, 50),
    "voltage_kv": (float, 0.1, 400),
    "install_year": (int, 1900, datetime.date.today().year + 10),
    "capacity_kva": (float, 1, 100000),
    "load_kva": (float, 0, 100000),
}
TEXT_FIELDS = {"ext_id", "kind", "status", "material", "pressure_class"}
_EMPTY_ROW = {"ext_id": "", "kind": "", "status": "active", "material": "", "pressure_class": "",
              **{k: None for k in NUMERIC_FIELDS}}
FAMILY = {"Point": "Point", "MultiPoint": "Point", "LineString": "LineString", "MultiLineString": "LineString",
          "Polygon": "Polygon", "MultiPolygon": "Polygon"}


def feature_row(**values) -> dict:
    """The typed columns of one feature, every one present (empty unless given): what publishing stores."""
    row = {**_EMPTY_ROW, "attrs": {}}
    row.update(values)
    return row


class ImportRejected(Exception):
    """A file that cannot become a layer version; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str], total: int | None = None, keep_geometry: str | None = None):
        self.keep_geometry = keep_geometry  # the file mixes types: importing only this one would do
        self.errors = errors[:MAX_LISTED_ERRORS]
        self.total = total if total is not None else len(errors)
        more = (_(" (and %(count)s more)") % Localized({"count": self.total - len(self.errors)})
                if self.total > len(self.errors) else "")
        super().__init__("; ".join(self.errors[:5]) + more)


@dataclass
class LayerFile:
    """What was read from a file: geometries (in the file's CRS), attributes as columns (field name → one value
    per feature, in the file's field order), and where they came from."""

    geometries: np.ndarray
    columns: dict[str, list]
    crs: str
    format: str
    source_name: str
    is_geographic: bool = False

    def __len__(self):
        return len(self.geometries)

    def feature_properties(self, index: int) -> dict:
        """One feature's attributes as a dict."""
        return {name: values[index] for name, values in self.columns.items()}

    @property
    def properties(self) -> list[dict]:
        """Every feature's attributes, one dict each."""
        names = list(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())] if names else [
            {} for _ in range(len(self))]


# The typed columns of citymap_feature that a prepared feature fills, in the order publishing writes them.
COLUMN_NAMES = ("ext_id", "kind", "status", "diameter_mm", "material", "depth_m", "pressure_class", "voltage_kv",
                "install_year", "capacity_kva", "load_kva", "attrs")


@dataclass
class PreparedFeatures:
    """Checked features, ready to insert: geometries in the storage CRS (a Shapely array or list) and their typed
    columns (each a list with one value per feature). A caller with one dict per feature (``feature_row``) gives
    ``rows`` instead, turned into the columns here."""

    geoms: object
    columns: dict[str, list] | None = None
    rows: InitVar[list[dict] | None] = None
    repaired: int = 0
    source_crs: str = ""
    source_format: str = ""
    source_name: str = ""
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self, rows):
        if self.columns is None:
            self.columns = {name: [row[name] for row in rows or []] for name in COLUMN_NAMES}

    def __len__(self):
        return len(self.geoms)


def _sniff(head: bytes) -> str:
    """Say what a file looks like from its first bytes, for error messages (English, marked for the
    catalogue: compared with what the name promised, translated when shown)."""
    if head.startswith(b"SQLite format 3\x00"):
        return gettext_noop("a SQLite/GeoPackage database")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return gettext_noop("a zip archive")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")):
        return gettext_noop("JSON text")
    if head.startswith(b"%PDF"):
        return gettext_noop("a PDF document")
    if head[:4] in (b"\x00\x00\x27\x0a",):
        return gettext_noop("a bare Shapefile (.shp) — zip it with its .shx, .dbf and .prj")
    return gettext_noop("something else")


def check_file(path: str, original_name: str) -> str:
    """Check size, emptiness and that the file is what its name says; return the format."""
    name = os.path.basename(original_name or path)
    ext = os.path.splitext(name)[1].lower()
    if ext not in FORMATS:
        raise ImportRejected([_("%(name)s: unsupported file type «%(value)s»; send GeoJSON (.geojson), GeoPackage "
                                "(.gpkg) or a zipped Shapefile (.zip)")
            % Localized({"name": name, "value": ext or 'none'})])
    size = os.path.getsize(path)
    limit = settings.PANJEREH_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRejected([_("%(name)s: file is %(value)s MB, over the limit of %(value2)s MB "
                                "(PANJEREH_IMPORT_MAX_BYTES)")
            % Localized({"name": name, "value": round(size / 1000000.0, 1), "value2": round(limit / 1000000.0, 1)})])
    if size == 0:
        raise ImportRejected([_("%(name)s: the file is empty") % Localized({"name": name})])
    with open(path, "rb") as fh:
        head = fh.read(64)
    fmt = FORMATS[ext]
    looks = _sniff(head)
    expected = {"geojson": "JSON text", "gpkg": "a SQLite/GeoPackage database", "shapefile-zip": "a zip archive"}  # msgids
    if looks != expected[fmt]:
        raise ImportRejected([_("%(name)s: the name says %(format)s but the file is %(found)s")
            % Localized({"name": name, "format": fmt, "found": _(looks)})])
    return fmt


def _safe_extract(path: str, name: str, target: str) -> str:
    """Extract a zipped Shapefile into ``target``, refusing members that would leave it; return the .shp."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportRejected([_("%(name)s: not a readable zip archive (%(reason)s)")
            % Localized({"name": name, "reason": exc})]) from exc
    with archive:
        members = archive.infolist()
        root = os.path.realpath(target)
        total = 0
        for member in members:
            member_name = member.filename
            mode = member.external_attr >> 16
            dest = os.path.realpath(os.path.join(target, member_name))
            if (member_name.startswith(("/", "\\")) or ".." in member_name.replace("\\", "/").split("/")
                    or (len(member_name) > 1 and member_name[1] == ":")
                    or not (dest == root or dest.startswith(root + os.sep))):
                raise ImportRejected([_("%(name)s: zip member «%(member)s» has a path that leaves the archive's "
                                        "folder; refused")
                    % Localized({"name": name, "member": member_name})])
            if stat.S_ISLNK(mode):
                raise ImportRejected([_("%(name)s: zip member «%(member)s» is a symbolic link; refused")
                    % Localized({"name": name, "member": member_name})])
            total += member.file_size
        if total > settings.PANJEREH_IMPORT_MAX_BYTES * 4:
            raise ImportRejected([_("%(name)s: unpacks to %(value)s MB, too large")
                % Localized({"name": name, "value": round(total / 1000000.0, 1)})])
        shps = [m.filename for m in members if m.filename.lower().endswith(".shp") and not m.is_dir()]
        if len(shps) != 1:
            raise ImportRejected([_("%(name)s: the zip must hold exactly one .shp file, found %(count)s")
                % Localized({"name": name, "count": len(shps)})])
        base = os.path.splitext(shps[0])[0]
        names = {m.filename.lower() for m in members}
        for needed in (".shx", ".dbf"):
            if (base + needed).lower() not in names:
                raise ImportRejected([_("%(name)s: %(value)s%(value2)s is missing from the zip")
                    % Localized({"name": name, "value": os.path.basename(base), "value2": needed})])
        archive.extractall(target)
        return os.path.join(target, shps[0])


def _json_value(value):
    """Make an attribute value storable as JSON."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, (datetime.date, datetime.datetime, np.datetime64)):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value  # text as written: only search keys are normalised (core.text.search_key), never stored values


_TEXT_TYPES = {str, type(None)}
_NUMBER_TYPES = {float, int, type(None)}


def _json_column(column, ogr_type: str = "", ogr_subtype: str = "") -> list:
    """A column of attribute values as plain Python values storable as JSON (NaN becomes None). A whole-number
    field with missing values (which GDAL hands over as floats with NaN) stays whole: 103, not 103.0."""
    array = np.asarray(column)
    if array.dtype.kind in "iub":
        return array.tolist()
    if array.dtype.kind == "f":
        if ogr_type in ("OFTInteger", "OFTInteger64"):
            return [None if v != v else int(v) for v in array.tolist()]
        return [None if v != v else v for v in array.tolist()]
    if ogr_subtype == "OFSTJSON":  # a JSON object or list in the file (GDAL hands it over as text): kept as JSON
        return [_json_text(v) for v in array.tolist()]
    values = array.tolist()
    if set(map(type, values)) <= _TEXT_TYPES:  # most text columns: nothing to convert
        return values
    return [_json_value(v) for v in values]


def _json_text(value):
    if not isinstance(value, str):
        return _json_value(value)
    try:
        return json.loads(value)
    except ValueError:
        return value


def read_layer_file(path: str, original_name: str, *, declared_crs: str | None = None) -> LayerFile:
    """Open a layer file and return its features, refusing files that cannot be read as they claim."""
    name = os.path.basename(original_name or path)
    fmt = check_file(path, name)
    with tempfile.TemporaryDirectory(prefix="panjereh-import-") as tmp:
        source = path
        if fmt == "shapefile-zip":
            source = _safe_extract(path, name, tmp)
        elif fmt == "geojson":
            # GDAL picks the driver from the name: give it one it knows.
            try:
                with open(path, "rb") as fh:
                    doc = json.load(fh)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ImportRejected([_("%(name)s: not valid JSON (%(reason)s)")
                    % Localized({"name": name, "reason": exc})]) from exc
            except RecursionError:
                raise ImportRejected([_("%(name)s: JSON nested too deeply to be a layer's attributes")
                    % Localized({"name": name})]) from None
            if not isinstance(doc, dict) or doc.get("type") not in {"FeatureCollection", "Feature"}:
                raise ImportRejected([_("%(name)s: JSON but not GeoJSON (no FeatureCollection)")
                    % Localized({"name": name})])
            if doc.get("type") == "FeatureCollection" and not doc.get("features"):
                raise ImportRejected([_("%(name)s: the file has no features") % Localized({"name": name})])
            source = os.path.join(tmp, "upload.geojson")
            os.symlink(os.path.abspath(path), source)
        try:
            meta, _fids, wkb, field_data = pyogrio.raw.read(source)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise ImportRejected([_("%(name)s: could not be read as %(format)s: %(reason)s")
                % Localized({"name": name, "format": fmt, "reason": exc})]) from exc
    fields = [str(f) for f in meta["fields"]]
    count = len(wkb) if wkb is not None else 0
    if count == 0:
        raise ImportRejected([_("%(name)s: the file has no features") % Localized({"name": name})])
    file_crs = meta.get("crs")
    try:
        if declared_crs:
            declared = normalize_digits(declared_crs).strip()
            crsmod.srs(declared)
            if file_crs and not crsmod.same(file_crs, declared):
                raise ImportRejected([_("%(name)s: the file says its CRS is %(value)s but %(declared)s was declared")
                    % Localized({"name": name, "value": crsmod.label(file_crs), "declared": declared_crs})])
            crs = declared
        elif file_crs:
            crs = file_crs
        else:
            raise ImportRejected([_("%(name)s: the file has no CRS (no .prj or crs member); declare one, e.g. "
                                    "%(storage)s or EPSG:4326")
                % Localized({"name": name, "storage": crsmod.STORAGE})])
    except crsmod.UnknownCRS as exc:
        raise ImportRejected([_("%(name)s: declared CRS %(reason)s")
            % Localized({"name": name, "reason": exc})]) from exc
    missing = [i for i, blob in enumerate(wkb) if blob is None]
    if missing:
        raise ImportRejected([_("%(label)s: has no geometry") % Localized({"label": _label(i, {})}) for i in missing])
    try:
        geometries = shapely.from_wkb(wkb)
    except shapely.errors.GEOSException as exc:
        raise ImportRejected([_("%(name)s: unreadable geometry (%(reason)s)")
            % Localized({"name": name, "reason": exc})]) from exc
    ogr_types = list(meta.get("ogr_types") or [""] * len(field_data))
    ogr_subtypes = list(meta.get("ogr_subtypes") or [""] * len(field_data))
    columns = {}
    for name_, column, ogr_type, ogr_subtype in zip(fields, field_data, ogr_types, ogr_subtypes):
        columns[name_] = _json_column(column, ogr_type, ogr_subtype)  # a repeated name: the last column, as GDAL
    return LayerFile(geometries=geometries, columns=columns, crs=crsmod.label(crs), format=fmt,
                     source_name=name, is_geographic=crsmod.is_geographic(crs))


def _label(index: int, props: dict) -> str:
    ext = props.get("ext_id") or props.get("id") or props.get("asset_id")
    if ext in (None, ""):
        return _("feature %(number)s") % Localized({"number": index + 1})
    return _("feature %(number)s (id %(id)s)") % Localized({"number": index + 1, "id": ext})


class _LazyLabel:
    """A feature's label, written (translated, digits localised) only if a message about it is: most files
    have no error, and labelling each of 200,000 features first was a fifth of an import."""

    __slots__ = ("index", "layer_file")

    def __init__(self, index: int, layer_file: LayerFile):
        self.index, self.layer_file = index, layer_file

    def __str__(self) -> str:
        return _label(self.index, self.layer_file.feature_properties(self.index))


STATUSES = frozenset(AssetStatus.values)
# the text columns an agency's file fills freely, and how long each may be (the model's max_length)
TEXT_LIMITS = {"ext_id": 64, "pressure_class": 24}  # (kind, status and material are checked against their vocabularies)
MATERIAL_SET = frozenset(MATERIALS)


def _text(value) -> str:
    """Normalise a text attribute; plain ASCII (most files) has no letter or digit variants to fix."""
    text = str(value)
    return text.strip() if text.isascii() else normalize_text(text)


def _number(value, kind):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return kind(value)
    return kind(float(normalize_digits(str(value)).replace(",", "")))


def _kind_of(value: str, layer) -> str:
    """The asset kind a file's value names: a kind of the vocabulary, or an alias of one (the agency's own,
    then the common ones); unknown values stay as written, to be refused naming them."""
    known = getattr(layer, "_kinds_seen", None)
    if known is None:
        known = layer._kinds_seen = {}  # a file repeats a handful of values: each is resolved once
    try:
        if value not in known:
            known[value] = _resolve_kind(value, layer)
        return known[value]
    except TypeError:  # not hashable (a list in a JSON property): resolved, and refused, as it is
        return _resolve_kind(value, layer)


def _generic_aliases(layer) -> dict:
    """The words any agency's file uses for "its main line" ("pipe", "main", "line"), read as this layer's own
    main kind when the layer holds exactly one line kind of its agency (a gas layer's "pipe" is a gas main)."""
    lines = [k for k in layer.allowed_kinds if ASSET_KINDS.get(k, ("",))[0] == "LineString"
             and k.endswith("_main")]
    return {word: lines[0] for word in ("pipe", "main")} if len(lines) == 1 else {}


def _resolve_kind(value: str, layer) -> str:
    key = alias_key(value)
    if key in ASSET_KINDS or key in layer.allowed_kinds or not key:
        return key
    aliases = getattr(layer, "_kind_aliases", None)
    if aliases is None:  # read once per import
        # a common alias counts only if it names a kind this layer holds ("pipe" is a water main in a water
        # layer, never in a gas one); the agency's own aliases (KindAlias) always count
        aliases = {a: k for a, k in KIND_ALIASES.items() if not layer.allowed_kinds or k in layer.allowed_kinds}
        aliases.update(_generic_aliases(layer))
        aliases.update({alias_key(a): k for a, k in KindAlias.objects.filter(agency_id=layer.agency_id)
                        .values_list("alias", "kind")})
        layer._kind_aliases = aliases
    return aliases.get(key, str(value).strip().lower())


def _numeric_column(values: list, key: str, target: list, label, problems: list) -> None:
    """Type one numeric field's values into ``target``, reporting each that is not a number or out of range."""
    kind, low, high = NUMERIC_FIELDS[key]

    def outside(i, value):
        problems.append((i, _("%(label)s: %(field)s %(value)s is outside %(low)s–%(high)s")
                         % Localized({"label": label(i), "field": key, "value": value, "low": low, "high": high})))

    if set(map(type, values)) <= _NUMBER_TYPES:
        # the usual case (GeoPackage, Shapefile, numeric GeoJSON): checked as one array
        array = np.array(values, dtype=float)  # None becomes NaN
        present = ~np.isnan(array)
        with np.errstate(invalid="ignore"):
            bad = present & ((array < low) | (array > high))
        for i in np.flatnonzero(bad).tolist():
            outside(i, kind(values[i]) if math.isfinite(values[i]) else values[i])
        ok = np.flatnonzero(present & ~bad)
        typed = (array[ok].astype(np.int64) if kind is int else array[ok]).tolist()
        if len(ok) == len(values):
            target[:] = typed
        else:
            for i, number in zip(ok.tolist(), typed):
                target[i] = number
        return
    for i, value in enumerate(values):  # text, or a mixture: each value on its own
        if value is None or value == "":
            continue
        try:
            number = _number(value, kind)
        except (ValueError, OverflowError):
            problems.append((i, _("%(label)s: %(field)s «%(value)s» is not a number")
                             % Localized({"label": label(i), "field": key, "value": value})))
            continue
        if not low <= number <= high:
            outside(i, number)
            continue
        target[i] = number


def _text_column(values: list, default: str | None) -> list:
    """One text field's values normalised (``_text``; never cut: a value longer than its column is refused by
    the caller, naming the field); ``default`` where none is given.
    A column of a few distinct values (kinds, statuses, materials) is normalised once per value."""
    try:
        distinct = set(values)
    except TypeError:  # a list or an object in a JSON property: normalised (as text) one by one
        distinct = None
    if distinct is not None and len(distinct) * 4 <= len(values):
        typed = {value: default if value is None or value == "" else _text(value) for value in distinct}
        return list(map(typed.__getitem__, values))
    return [default if value is None or value == "" else _text(value) for value in values]


def _id_column(values: list, default: str | None) -> list:
    """Asset ids as the agency's system writes them: only the spaces around them trimmed — never their digits
    rewritten or their letters changed (the map's id must be the one the agency's system answers to)."""
    return [default if value is None or value == "" else str(value).strip() for value in values]


def _typed_table(layer_file: LayerFile, layer, label, errors: list[str]) -> dict[str, list]:
    """Turn a network layer file's attributes into typed columns (``COLUMN_NAMES``), reporting every unknown or
    out-of-range value, in the order of the features.

    Field by field, not feature by feature: a file of 200,000 assets holds a handful of distinct kinds, statuses
    and materials, each resolved and checked once, and its numbers are checked as arrays.
    """
    n = len(layer_file)
    table = {key: [_EMPTY_ROW[key]] * n for key in COLUMN_NAMES if key != "attrs"}
    attrs = [{} for _ in range(n)]
    filled = set()
    problems: list[tuple[int, str]] = []  # (feature, message): sorted by feature at the end
    for raw_key, values in layer_file.columns.items():
        key = FIELD_ALIASES.get(raw_key.lower(), raw_key.lower())
        if key in NUMERIC_FIELDS:
            _numeric_column(values, key, table[key], label, problems)
        elif key in TEXT_FIELDS:
            column = _id_column if key == "ext_id" else _text_column
            if key in filled:  # a second field naming the same column (id and ext_id): its values win where given
                table[key] = [old if new is None else new for old, new in zip(table[key], column(values, None))]
            else:
                table[key] = column(values, _EMPTY_ROW[key])
        else:
            for i, value in enumerate(values):
                if value is not None and value != "":
                    attrs[i][raw_key] = value
        filled.add(key)
    table["attrs"] = attrs

    allowed = "، ".join(layer.allowed_kinds)
    resolved = {value: _kind_of(value, layer) for value in set(table["kind"])}
    if any(k != v for k, v in resolved.items()):
        table["kind"] = [resolved[value] for value in table["kind"]]
    refused = {v for v in resolved.values() if not v or v not in layer.allowed_kinds}
    statuses = {value: value.lower() for value in set(table["status"])}
    materials = {value: value.lower().replace(" ", "_") for value in set(table["material"])}
    wrong_status = {v for v, low in statuses.items() if low not in STATUSES}
    wrong_material = {v for v, low in materials.items() if low and low not in MATERIAL_SET}
    for i, (kind, status, material) in enumerate(zip(table["kind"], table["status"], table["material"])):
        if kind in refused:
            if not kind:
                problems.append((i, _("%(label)s: kind is missing; one of %(known)s is needed")
                                 % Localized({"label": label(i), "known": allowed})))
            else:
                problems.append((i, _("%(label)s: kind «%(kind)s» is not allowed in layer %(layer)s (allowed: "
                                      "%(known)s)")
                                 % Localized({"label": label(i), "kind": kind, "layer": layer.code, "known": allowed})))
        if status in wrong_status:
            problems.append((i, _("%(label)s: status «%(value)s» is unknown (allowed: %(known)s)")
                             % Localized({"label": label(i), "value": status, "known": "، ".join(AssetStatus.values)})))
        if material in wrong_material:
            problems.append((i, _("%(label)s: material «%(value)s» is unknown (allowed: %(known)s)")
                             % Localized({"label": label(i), "value": material, "known": "، ".join(MATERIALS)})))
    if any(s != low for s, low in statuses.items()):
        table["status"] = [statuses[value] for value in table["status"]]
    if any(m != low for m, low in materials.items()):
        table["material"] = [materials[value] for value in table["material"]]
    for key, limit in TEXT_LIMITS.items():  # one rule on both databases (PostGIS raised, SpatiaLite kept it whole)
        for i, value in enumerate(table[key]):
            if value and len(value) > limit:
                problems.append((i, _("%(label)s: %(field)s is %(length)s characters long; at most %(limit)s")
                                 % Localized({"label": label(i), "field": key, "length": len(value), "limit": limit})))
    for i, (load, capacity) in enumerate(zip(table["load_kva"], table["capacity_kva"])):
        if load is not None and capacity is None:
            problems.append((i, _("%(label)s: load_kva given without capacity_kva") % Localized({"label": label(i)})))
    problems.sort(key=lambda item: item[0])  # stable: a feature's problems stay in the order of its fields
    errors.extend(message for _i, message in problems)
    return table


def keep_only(layer_file: LayerFile, family: str) -> tuple[LayerFile, int]:
    """The file's features of one geometry family only (a file whose types are mixed, imported in parts:
    ``--keep-geometry Point``); returns the kept file and how many features were left out."""
    if family not in set(FAMILY.values()):
        raise ImportRejected([_("keep_geometry must be one of %(known)s.")
                              % Localized({"known": "، ".join(sorted(set(FAMILY.values())))})])
    kinds = [FAMILY.get(g.geom_type) if g is not None else None for g in layer_file.geometries]
    keep = np.array([k == family for k in kinds], dtype=bool)
    if not keep.any():
        raise ImportRejected([_("The file has no %(family)s features.") % Localized({"family": family})])
    rows = np.flatnonzero(keep).tolist()
    kept = LayerFile(geometries=layer_file.geometries[keep],
                     columns={name: [values[i] for i in rows] for name, values in layer_file.columns.items()},
                     crs=layer_file.crs,
                     format=layer_file.format, source_name=layer_file.source_name,
                     is_geographic=layer_file.is_geographic)
    return kept, int((~keep).sum())


def prepare_features(layer, layer_file: LayerFile, *, repair: bool = False) -> PreparedFeatures:
    """Check every feature of a file against ``layer``; return them ready to store, or raise ImportRejected
    listing **every** problem of the file at once — geometry types, validity, extent, identifiers and
    attributes — so that one upload shows all there is to fix (one kind of error per try took three uploads
    to see five errors). Each check is a step of its own below; each adds to ``errors`` and goes on."""
    geoms = layer_file.geometries
    errors: list[str] = []

    def label(i: int) -> _LazyLabel:
        return _LazyLabel(int(i), layer_file)

    keep_hint = _check_geometry_types(layer, geoms, label, errors)
    empty, repaired = _check_validity(layer, geoms, label, errors, repair=repair)
    _check_extent(layer_file, geoms, empty, label, errors)
    columns, rows = _identifiers_and_attributes(layer, layer_file, label, errors)
    if errors:
        raise ImportRejected(errors, keep_geometry=keep_hint)
    return PreparedFeatures(geoms=crsmod.to_storage(geoms, layer_file.crs), columns=columns, rows=rows,
                            repaired=repaired, source_crs=layer_file.crs,
                            source_format=layer_file.format, source_name=layer_file.source_name)


def _check_geometry_types(layer, geoms, label, errors: list) -> str | None:
    """Step 1. A typed layer takes one family of geometry (single or multi part). Returns the type to offer to
    keep when the file mixes types, else None."""
    if layer.geometry_type != "Any":
        types = shapely.get_type_id(geoms)
        names = ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                 "MultiPolygon", "GeometryCollection"]
        family = [i for i, name in enumerate(names) if FAMILY.get(name) == layer.geometry_type]
        mixed = []
        for i in np.flatnonzero(~np.isin(types, family)).tolist():
            t = types[i]
            gtype = names[t] if 0 <= t < len(names) else "unknown"
            if FAMILY.get(gtype) != layer.geometry_type:
                mixed.append(_("%(label)s: is a %(type)s, but layer %(layer)s holds only %(allowed)s features")
                    % Localized({"label": label(i), "type": gtype, "layer": layer.code, "allowed": layer.geometry_type}))
        if mixed:
            errors.append(_("The file mixes geometry types: import only the layer's %(allowed)s features (the "
                            "option to keep one geometry type), and the others into their own layers.")
                          % Localized({"allowed": layer.geometry_type}))
            errors.extend(mixed)
            return layer.geometry_type  # the option to keep only the layer's own type is offered
    return None


def _check_validity(layer, geoms, label, errors: list, *, repair: bool) -> tuple[np.ndarray, int]:
    """Step 2. Empty geometry is refused; invalid geometry is repaired (in ``geoms``) only when asked. Returns
    which are empty and how many were repaired."""
    repaired = 0
    valid = shapely.is_valid(geoms)
    empty = shapely.is_empty(geoms)
    for i in np.flatnonzero(empty).tolist():
        errors.append(_("%(label)s: geometry is empty") % Localized({"label": label(i)}))
    for i in np.flatnonzero(~valid & ~empty).tolist():
        reason = shapely.is_valid_reason(geoms[i])
        if repair:
            fixed = shapely.make_valid(geoms[i])
            family = {FAMILY.get(g.geom_type) for g in getattr(fixed, "geoms", [fixed])}
            if layer.geometry_type != "Any" and family != {layer.geometry_type}:
                errors.append(_("%(label)s: invalid geometry (%(reason)s) cannot be repaired into a %(allowed)s")
                    % Localized({"label": label(i), "reason": reason, "allowed": layer.geometry_type}))
                continue
            geoms[i] = fixed
            repaired += 1
        else:
            errors.append(_("%(label)s: invalid geometry (%(reason)s); fix it, or import with repair to let Panjereh "
                            "repair it")
                % Localized({"label": label(i), "reason": reason}))
    return empty, repaired


def _all_inside(layer_file: LayerFile, geoms, empty) -> bool:
    """Whether every feature lies inside the city, decided from the file's bounding rectangle alone: its edges,
    densified, transformed to lon/lat. A transformation maps the rectangle onto a region bounded by the image of
    its edges, so when those lie inside the city every feature does — one small transform instead of every
    vertex of every feature (a sixth of a 126,000-line import). When it says no, each feature is checked."""
    present = geoms[~empty]
    if len(present) == 0:
        return True
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return False
    # the rectangle's edges as points, a thousand to an edge (a rectangle of no width, one point, stays points)
    t = np.linspace(0.0, 1.0, 1000)
    xs, ys = minx + (maxx - minx) * t, miny + (maxy - miny) * t
    edges = np.concatenate([np.column_stack([xs, np.full_like(t, miny)]),
                            np.column_stack([xs, np.full_like(t, maxy)]),
                            np.column_stack([np.full_like(t, minx), ys]),
                            np.column_stack([np.full_like(t, maxx), ys])])
    lonlat = crsmod.transform(shapely.multipoints(edges), layer_file.crs, "OGC:CRS84")
    return bool(crsmod.inside_city(shapely.bounds(lonlat))[0])


def _check_extent(layer_file: LayerFile, geoms, empty, label, errors: list) -> None:
    """Step 3. Outside the city means a wrong CRS, swapped axes or a stray feature (empty ones are said above):
    one cause named for them all when it explains them, else each feature outside with a point of it."""
    if _all_inside(layer_file, geoms, empty):
        return
    lonlat = crsmod.transform(geoms, layer_file.crs, "OGC:CRS84")
    inside = crsmod.inside_city(shapely.bounds(lonlat)) | empty
    if not inside.all():
        diagnosis = None
        raw = shapely.bounds(geoms)
        if layer_file.is_geographic:
            swapped = crsmod.swapped_into_city(raw)
            if swapped[~inside].all():
                diagnosis = _("%(name)s: longitude and latitude appear swapped (%(count)s features): the file gives "
                              "latitude first. Swap the axes and import again") \
                    % Localized({"name": layer_file.source_name, "count": int((~inside).sum())})
        elif (np.abs(raw[~empty]) <= 180).all():
            diagnosis = _("%(name)s: coordinates look like degrees, but the file declares the projected CRS "
                          "%(crs)s; declare EPSG:4326") % Localized({"name": layer_file.source_name, "crs": layer_file.crs})
        if diagnosis:
            errors.append(diagnosis)  # one cause for them all: not each feature again
        else:
            for i in np.flatnonzero(~inside).tolist():
                # a point of the feature that is outside (its first point may well be inside the city)
                coords = shapely.get_coordinates(lonlat[i])
                out = ~crsmod.inside_city(np.hstack([coords, coords]))
                cx, cy = coords[np.flatnonzero(out)[0]] if out.any() else coords[0]
                errors.append(_("%(label)s: lies outside the city's extent (%(west)s–%(east)s E, "
                                "%(south)s–%(north)s N), at %(lon)s, %(lat)s")
                    % Localized({"label": label(i), **crsmod.city_extent_words(),
                                 "lon": round(float(cx), 5), "lat": round(float(cy), 5)}))


def _identifiers_and_attributes(layer, layer_file: LayerFile, label, errors: list):
    """Step 4. Identifiers and attributes: a network layer's typed columns (every asset needs its id), another
    layer's rows as written. Returns (columns, rows)."""
    if layer.kind == "network":
        columns = _typed_table(layer_file, layer, label, errors)
        rows = None
        ids = columns["ext_id"]
    else:
        columns, rows = None, []
        for i, p in enumerate(layer_file.properties):
            ext = p.get("ext_id") or p.get("id") or ""
            ext = str(ext).strip() if ext not in (None, "") else ""  # as written (see _id_column)
            if len(ext) > TEXT_LIMITS["ext_id"]:
                errors.append(_("%(label)s: %(field)s is %(length)s characters long; at most %(limit)s")
                              % Localized({"label": label(i), "field": "ext_id", "length": len(ext),
                                           "limit": TEXT_LIMITS["ext_id"]}))
            rows.append(feature_row(ext_id=ext,
                                    # a field the feature does not have (the file's union of fields) is
                                    # not stored: an export then writes each feature's own keys only
                                    attrs={k: v for k, v in p.items() if k not in {"ext_id", "id"}
                                           and v is not None}))
        ids = [row["ext_id"] for row in rows]
    if layer.kind == "network":
        # an asset is found by its id (an incident, a dig check, a consistency finding, the next version)
        missing = [i for i, ext in enumerate(ids) if not str(ext or "").strip()]
        for i in missing:
            errors.append(_("%(label)s: ext_id is empty; every asset of a network layer needs its identifier")
                          % Localized({"label": label(i)}))
    return columns, rows
