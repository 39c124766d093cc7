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
