"""Make the OpenAPI schema tell the truth about errors, so that clients and fuzzers can rely on it.

drf-spectacular documents what a view returns when all goes well. Every view also answers the API's one
error shape (:mod:`panjereh.core.api_errors`) for: a body or query it cannot take (400), a missing or bad
token (401), a permission it lacks (403), something not there or hidden (404), a method it does not have
(405), a body type it does not read (415) and too many requests (429); a state that forbids the change (409)
on writes. This hook adds whichever of those an operation does not document yet.
"""

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "details": {"type": "object", "additionalProperties": True,
                    "description": "field name → list of messages, for errors about input"}}}},
}
DESCRIPTIONS = {
    "400": "The input cannot be taken; details names each field", "401": "No valid token or session",
    "403": "Not allowed for this user", "404": "Not found (or not visible to this user)",
    "405": "Method not allowed", "409": "The file or layer is in a state that does not allow this",
    "415": "Unsupported body type", "429": "Too many requests; try again later",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["400", "401", "403", "405", "429"]
            if "{" in path:
                codes.append("404")
            if method != "get":
                codes += ["404", "409", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code not in responses:
                    responses[code] = {"description": DESCRIPTIONS[code],
                                       "content": {"application/json": {"schema": ref}}}
                elif not responses[code].get("content"):
                    responses[code]["content"] = {"application/json": {"schema": ref}}
                    responses[code].setdefault("description", DESCRIPTIONS[code])
    return result
