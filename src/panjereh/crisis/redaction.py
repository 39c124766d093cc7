"""The redaction of an incident's stored response: registered with :mod:`panjereh.access.redactors` in
``CrisisConfig.ready()``, so the permission module never knows the shape of crisis's answer."""

import copy

from panjereh.access import layers as access_layers
from panjereh.access import redactors


def redact_incident_response(user, response: dict) -> dict:
    """An incident's stored response as ``user`` may read it: the network trace (pipe, valves, transformer)
    only if every asset in it is on a layer the user may see, else counts; the assets around, as a dig check."""
    out = copy.deepcopy(response or {})
    visible = access_layers.visible_layer_ids(user)
    iso = out.get("isolation") or {}
    traced = [out.get("pipe", {}).get("id")] + [v["id"] for v in iso.get("close", [])] + \
        [p["id"] for p in iso.get("pipes", [])] + [f["stuck_valve"]["id"] for f in iso.get("if_stuck", [])] + \
        [v["id"] for f in iso.get("if_stuck", []) for v in f.get("close", [])]
    station = out.get("transformer") or {}
    power_ids = [station.get("id"), (station.get("substation") or {}).get("id"),
                 (station.get("feeder") or {}).get("id"), (station.get("conductor") or {}).get("id"),
                 *[t["id"] for t in station.get("transformers_cut", [])]]
    power_ids = [i for i in power_ids if i is not None]
    layers = access_layers.layers_of_features(traced + power_ids)
    if any(layers.get(i) not in visible for i in traced if i is not None):
        out.pop("pipe", None)
        if out.get("isolation"):
            out["isolation"] = {"hidden": True, "close_count": len(iso.get("close", [])),
                                "pipes_count": len(iso.get("pipes", [])),
                                "parcels_affected_count": len(iso.get("parcels_affected", []))}
    if station and any(layers.get(i) not in visible for i in power_ids):
        out["transformer"] = {"hidden": True, "parcels_affected_count": len(station.get("parcels_affected", []))}
    if "around" in out:
        out["around"] = redactors.redact("asset_groups", user, out["around"])
    return out
