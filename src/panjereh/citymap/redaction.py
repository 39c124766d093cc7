"""The redaction of the city map's spatial answers (feasibility, and the dig check's assets grouped by agency):
registered with :mod:`panjereh.access.redactors` in ``CitymapConfig.ready()``, where the permission module asks."""

import copy

from panjereh.access import layers as access_layers


def redact_feasibility(user, data: dict) -> dict:
    """A feasibility answer with the nearest assets of hidden layers removed (counted in ``hidden_count``).

    The verdict (feasible, distance, problems) stays: the counter must know whether a service can be
    given, not which cable gives it. ``data`` is left as it was (an application keeps its answer)."""
    # Only the service entries are changed (an asset replaced by None, a count added): they are copied, what they
    # hold is shared. A deep copy of the whole answer was a third of the redaction's time.
    out = {**(data or {})}
    out["services"] = [dict(entry) for entry in out.get("services", [])]
    assets = [e.get(k) for e in out.get("services", []) for k in ("nearest", "transformer") if e.get(k)]
    layers = access_layers.layers_of_features(a.get("id") for a in assets)
    visible = access_layers.visible_layer_ids(user)
    for entry in out.get("services", []):
        entry["hidden_count"] = 0
        for key in ("nearest", "transformer"):
            asset = entry.get(key)
            if asset and layers.get(asset.get("id")) not in visible:
                entry[key] = None
                entry["hidden_count"] += 1
    return out


def redact_asset_groups(user, around: dict) -> dict:
    """A dig-check style answer ({agencies: [{assets, hidden_count}]}) with hidden layers' assets counted."""
    out = copy.deepcopy(around or {})
    groups = out.get("agencies", [])
    layers = access_layers.layers_of_features(a.get("id") for g in groups for a in g.get("assets", []))
    visible = access_layers.visible_layer_ids(user)
    for group in groups:
        shown = [a for a in group.get("assets", []) if layers.get(a.get("id")) in visible]
        group["hidden_count"] = group.get("hidden_count", 0) + len(group.get("assets", [])) - len(shown)
        group["assets"] = shown
    return out
