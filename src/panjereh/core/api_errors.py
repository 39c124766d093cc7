"""One error shape for the whole REST API: {"error": {"code", "message", "details"}}."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Wrap DRF's errors so every 4xx names what is wrong in the same place."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        message, details = str(data["detail"]), {}
    else:
        message, details = "invalid input", data
    response.data = {"error": {"code": getattr(getattr(exc, "detail", None), "code", None) or code,
                               "message": message, "details": details}}
    return response


def error_response(status_code: int, code: str, message: str, details: dict | None = None):
    """The API's error body, for views that answer an error themselves (a service refused, a conflict)."""
    from rest_framework.response import Response

    return Response({"error": {"code": code, "message": message, "details": details or {}}}, status=status_code)


def field_error(status_code: int, field: str, message: str):
    """An error that names the field it is about."""
    return error_response(status_code, "invalid", message, {field: [message]})


def _api_path(request) -> bool:
    return request.path.startswith(("/api/", "/ogc/", "/tiles/"))


def not_found(request, exception=None):
    """URL-level 404: the API's error shape under /api/, /ogc/ and /tiles/, the page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if _api_path(request):
        return JsonResponse({"error": {"code": "not_found", "message": f"no such address: {request.path[:200]}",
                                       "details": {}}}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """A 500 (a bug: every input should get a 4xx) in the API's error shape under the API."""
    from django.http import JsonResponse
    from django.views.defaults import server_error as page

    if _api_path(request):
        return JsonResponse({"error": {"code": "server_error", "message": "internal error; it has been logged",
                                       "details": {}}}, status=500)
    return page(request)
