"""Keeping the live feature table lean: old layer versions move to an archive table and come back on demand.

Every import adds a whole version to ``citymap_feature``, and old versions stay there so that a rollback is
one pointer move. But every spatial query walks the spatial index over *all* versions before filtering on the
current one, so a layer imported every night makes every dig check and tile slower month by month. Here the
versions older than the newest few (``keep``) move, rows and ids unchanged, to ``citymap_featurearchive``, which
has no spatial index. Rolling back to an archived version moves its rows back first, in the same transaction
as the pointer; exporting one reads the archive directly.

Moving is plain ``INSERT … SELECT`` then ``DELETE``, inside one transaction per version: a failure leaves the
version wholly live. A version pinned by another record (an incident's asset: ``VersionPin``) stays live, so that the record's
foreign key keeps resolving.
"""

from django.db import connection, transaction
from django.utils import timezone

from panjereh.citymap.models import Feature, FeatureArchive, Layer, LayerVersion, VersionPin
from panjereh.core import audit

COLUMNS = ["id", "layer_id", "version_id", "agency_id", "ext_id", "kind", "status", "diameter_mm", "material",
           "depth_m", "pressure_class", "voltage_kv", "install_year", "capacity_kva", "load_kva", "attrs", "geom"]
LIVE, ARCHIVE = Feature._meta.db_table, FeatureArchive._meta.db_table


def _move(source: str, target: str, version_id: int) -> int:
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {source} WHERE version_id = %s",
                       [version_id])
        moved = cursor.rowcount
        cursor.execute(f"DELETE FROM {source} WHERE version_id = %s", [version_id])
        if cursor.rowcount != moved:  # never expected: a concurrent writer; undo by raising inside the transaction
            raise RuntimeError(f"version {version_id}: copied {moved} rows but deleted {cursor.rowcount}")
    return moved


def versions_to_archive(layer: Layer, keep: int):
    """The layer's versions that are live, not current, and older than its ``keep`` newest versions."""
    newest = list(layer.versions.order_by("-number").values_list("pk", flat=True)[:keep])
    pinned = set(_pinned_versions())
    return (layer.versions.filter(archived_at=None).exclude(pk__in=newest).exclude(pk=layer.current_version_id)
            .exclude(pk__in=pinned).order_by("number"))


def _pinned_versions():
    """Versions another record points into (:class:`~panjereh.citymap.models.VersionPin`)."""
    return VersionPin.objects.values_list("version_id", flat=True)


def archive_layer(layer: Layer, *, keep: int, actor=None) -> list[tuple[int, int]]:
    """Move the layer's old versions to the archive; returns (version number, features moved) for each."""
    if keep < 1:
        raise ValueError("keep must be at least 1 (the current version always stays live)")
    done = []
    for version in versions_to_archive(layer, keep):
        with transaction.atomic():
            locked = Layer.objects.select_for_update().get(pk=layer.pk)
            fresh = LayerVersion.objects.select_for_update().get(pk=version.pk)
            if fresh.archived_at is not None or locked.current_version_id == fresh.pk:
                continue  # someone rolled back to it, or archived it, meanwhile
            moved = _move(LIVE, ARCHIVE, fresh.pk)
            fresh.archived_at = timezone.now()
            fresh.save(update_fields=["archived_at"])
            audit.record(actor=actor, action="layer.archive", obj=fresh,
                         data={"layer": locked.code, "version": fresh.number, "features": moved})
        done.append((version.number, moved))
    return done


def restore_version(version: LayerVersion) -> int:
    """Bring an archived version's features back to the live table (call inside the caller's transaction)."""
    if version.archived_at is None:
        return 0
    moved = _move(ARCHIVE, LIVE, version.pk)
    version.archived_at = None
    version.save(update_fields=["archived_at"])
    return moved


def features_of(version: LayerVersion):
    """A queryset of a version's features, wherever they are (live or archived)."""
    return FeatureArchive.objects.filter(version=version) if version.archived_at else \
        Feature.objects.filter(version=version)


def tidy_live_table() -> None:
    """After a large move: on PostgreSQL, VACUUM ANALYZE the live table so the deleted rows leave its spatial
    index now, not at autovacuum's next visit (must run outside a transaction); SQLite frees pages itself."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {LIVE}")
