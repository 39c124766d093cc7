"""Which rows of a province's database make one city's: what ``panjereh copydatabase --city`` moves into a
deployment of that city alone (issue 28).

Every table answers by one of these rules, found in this order:

1. **Declared** by its app, in its module ``city_rows`` (found as the admin finds ``admin`` modules):
   ``RULES = {"Model": rule}``, ``rule(city_id, rows)`` (``rows(label)`` a model's rows, ``rows.ids(label)`` as a
   filter takes them) returning the
   model's rows of the city (``rows(label)`` gives another model's, to build on) or None for none at all — for the
   rows whose city is not a key of theirs (an applicant is the city's if one of its files is; an SMS if its file
   is; an audit record if the object it tells of is).
2. **A city key**: a foreign key named ``city`` — the city's rows, and those of every city (a null key).
3. **A place**: a geometry and no city key — the rows that touch the city's extent (the map's features, the
   findings, incidents and street works). Exact while the cities' extents do not overlap (the features carry no
   city key yet: docs/architecture.md).
4. **A parent**: a foreign key to a model that has one of the rules above — the rows of the copied parents.
5. **Whole** otherwise: the deployment's reference tables (agencies, services, layers, rules, the calendar).

Whatever the rule, a row is copied only if every row it points to is copied too (a nullable key may point
nowhere), so the copy is whole by construction; the target's foreign keys check it again at commit. The users
are decided last: those whose profile is copied, the administrators, and any user a copied row names (a reviewer
of the provincial company who decided a file, the author of a layer version) — no other city's staff. Sessions,
sign-in attempts, one-time codes and the admin's log are the old deployment's, never moved.

The kernel names no app: the rules are read off the models and the apps' declarations."""

from collections.abc import Callable
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.gis.db.models import GeometryField
from django.db.models import Q
from django.utils.module_loading import module_has_submodule

# tables of the old deployment's own running, never moved (labels: the kernel imports none of these apps)
TRANSIENT = {"sessions.session", "admin.logentry", "axes.accessattempt", "axes.accessattemptexpiration",
             "axes.accessfailurelog", "axes.accesslog"}

WHOLE = "whole"


class CityRows:
    """The rows of each model that belong to one city: ``rows(model)`` is a queryset, or None (not copied)."""

    def __init__(self, city_id: int, models: list):
        self.city_id = city_id
        self.models = models
        self._rules: dict = {}
        self._id_lists: dict = {}
        self._resolving: set = set()
        self._declared = {}
        for config in apps.get_app_configs():
            if module_has_submodule(config.module, "city_rows"):
                declared = import_module(f"{config.name}.city_rows").RULES
                for name, rule in declared.items():
                    self._declared[config.get_model(name)._meta.label_lower] = rule
        self.user_model = get_user_model()

    # -- the rule of one model -------------------------------------------------------------------------------
    def rows(self, model):
        """The queryset of ``model``'s rows of the city (``model`` or its label), None when none are copied."""
        if isinstance(model, str):
            model = apps.get_model(model)
        if model is self.user_model:
            return self._users()
        key = model._meta.label_lower
        if key not in self._rules:
            self._resolving.add(key)
            try:
                self._rules[key] = self._rule(model)
            finally:
                self._resolving.discard(key)
        return self._rules[key]

    __call__ = rows  # a declared rule asks ``rows("app.model")``

    def is_whole(self, model) -> bool:
        rows = self.rows(model)
        return rows is not None and getattr(rows, "_panjereh_whole", False)

    def _rule(self, model):
        label = model._meta.label_lower
        manager = model._base_manager
        if label in TRANSIENT:
            return None
        if label in self._declared:
            found = self._declared[label](self.city_id, self)
            return None if found is None else self._closed(model, found)
        if label == "cities.city":
            return _simple(manager.filter(pk=self.city_id))
        city = _field(model, "city")
        if city is not None and city.is_relation:
            own = Q(city_id=self.city_id) | Q(city__isnull=True) if city.null else Q(city_id=self.city_id)
            return _simple(self._closed(model, manager.filter(own)))
        geometry = next((f for f in model._meta.concrete_fields if isinstance(f, GeometryField)), None)
        if geometry is not None:
            return _simple(self._closed(model, manager.filter(**{f"{geometry.name}__intersects": self._extent()})))
        for fk in sorted(_fks(model), key=lambda f: f.null):  # a required parent before an optional one
            parent = fk.related_model
            if parent is self.user_model or parent._meta.label_lower in self._resolving:
                continue
            if not self.is_whole(parent):
                return self._closed(model, manager.all())
        whole = self._closed(model, manager.all())
        if whole is not None and not whole.query.where.children:
            whole._panjereh_whole = True
        return whole

    def _closed(self, model, queryset):
        """``queryset`` less the rows that point at a row not copied (users aside: they follow the rows)."""
        for fk in _fks(model):
            parent = fk.related_model
            if parent is self.user_model or parent._meta.label_lower in self._resolving or parent is model \
                    or _points_back(parent, model):
                continue
            parents = self.rows(parent)
            if parents is None:
                if not fk.null:
                    return None
                queryset = queryset.filter(**{f"{fk.name}__isnull": True})
            elif not getattr(parents, "_panjereh_whole", False):
                inside = Q(**{f"{fk.name}__in": self.ids(parent)})
                queryset = queryset.filter(inside | Q(**{f"{fk.name}__isnull": True}) if fk.null else inside)
        return queryset

    def ids(self, model):
        """The city's rows of ``model`` as something a filter takes: a subquery where its own rule is one filter
        of its table (a city key, a place), else the ids themselves, read once — a chain of subqueries (a
        ledger entry's payment's bill's file) nests past what SQLite's parser takes."""
        rows = self.rows(model)
        if getattr(rows, "_panjereh_simple", False):
            return rows.values("pk")
        key = model._meta.label_lower
        if key not in self._id_lists:
            self._id_lists[key] = list(rows.order_by().values_list("pk", flat=True))
        return self._id_lists[key]

    def _extent(self):
        from django.contrib.gis.geos import Polygon

        city = apps.get_model("cities", "City")._base_manager.get(pk=self.city_id)
        box = Polygon.from_bbox((city.west, city.south, city.east, city.north))
        box.srid = 4326  # the database transforms it into the storage CRS (any, a province's own included)
        return box

    # -- the users, last -------------------------------------------------------------------------------------
    def _users(self):
        """Administrators, the staff whose profile is copied, and every user a copied row names."""
        key = "users"
        if key in self._rules:
            return self._rules[key]
        manager = self.user_model._base_manager
        chosen = Q(is_superuser=True)
        for model in self.models:
            if model is self.user_model or model._meta.auto_created:
                continue
            for fk in _fks(model):
                if fk.related_model is self.user_model:
                    rows = self.rows(model)
                    if rows is not None:
                        chosen |= Q(pk__in=set(rows.exclude(**{f"{fk.name}__isnull": True}).values_list(
                            fk.name, flat=True)))
        self._rules[key] = users = manager.filter(chosen)
        return users

    def user_rows(self, model, queryset):
        """A table of users' links (their groups, permissions, tokens): those of the users copied."""
        for fk in _fks(model):
            if fk.related_model is self.user_model:
                queryset = queryset.filter(**{f"{fk.name}__in": self._users().values("pk")})
        return queryset


def _simple(queryset):
    """Mark a rule that is one filter of its own table (see :meth:`CityRows.ids`)."""
    if queryset is not None:
        queryset._panjereh_simple = True
    return queryset


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — FieldDoesNotExist: the model has no such field
        return None


def _fks(model) -> list:
    return [f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]


def _points_back(parent, model) -> bool:
    """Whether ``parent`` has a key to ``model`` (a layer and its current version; a street works and the
    shared trench it leads): such a pair is narrowed from one side only, the side that points back."""
    return any(f.related_model is model for f in _fks(parent))


def city_querysets(city_id: int, models: list) -> dict:
    """{model: the queryset of its rows of the city, or None} for every model of ``models``."""
    rows = CityRows(city_id, models)
    chosen = {}
    for model in models:
        if model is rows.user_model:
            continue
        found = rows.rows(model)
        if found is not None and _points_at_users(model, rows):
            found = rows.user_rows(model, found)
        chosen[model] = found
    if rows.user_model in models:
        chosen[rows.user_model] = rows.rows(rows.user_model)
    return chosen


def _points_at_users(model, rows) -> bool:
    """A link table of users (groups, permissions) or a table copied whole that names users by a required key:
    narrowed to the users copied (rows that merely name a user are what decides who is copied)."""
    required = [f for f in _fks(model) if f.related_model is rows.user_model and not f.null]
    return bool(required) and (model._meta.auto_created or rows.is_whole(model))


Rule = Callable[[int, Callable], object]
