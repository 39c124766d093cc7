"""Inbound API for the agencies' systems: decisions and installed connections, each with an Idempotency-Key.

A repeated key with the same body returns the first answer and changes nothing; the same key with a
different body is refused (422). Bodies over PANJEREH_INBOUND_MAX_BYTES are refused (413) before parsing.
"""

import hashlib

from django.conf import settings
from django.db import IntegrityError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, ValidationError
from panjereh.core.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh.core import fields, service_tx
from panjereh.core.api_errors import error_response
from panjereh.core.text import Localized, normalize_digits, normalize_text
from panjereh.integrations.system_tokens import AgencySystem, AgencyTokenAuthentication
from panjereh.integrations.models import IdempotencyRecord
from panjereh.permits import services
from panjereh.permits.models import Application

KEY_HEADER = "Idempotency-Key"
KEY_PARAMETER = OpenApiParameter(KEY_HEADER, str, OpenApiParameter.HEADER, required=True,
                                 description="a key of the agency's choosing, 1–200 printable ASCII characters",
                                 pattern=r"^[\x21-\x7e]{1,200}$")


class InboundDecision(serializers.Serializer):
    application = serializers.CharField(help_text="tracking code")
    decision = serializers.ChoiceField(choices=list(services.DECISIONS))
    conditions = fields.TextField(required=False, allow_blank=True, default="", max_length=4000)
    info_request = fields.TextField(required=False, allow_blank=True, default="", max_length=4000)
    reason = fields.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class InboundConnection(serializers.Serializer):
    application = serializers.CharField(help_text="tracking code")
    service = serializers.CharField()
    subscription_number = fields.TextField(max_length=40)


class InboundView(APIView):
    """Shared handling: agency token, size limit, Idempotency-Key, error shapes."""

    authentication_classes = [AgencyTokenAuthentication]
    permission_classes = []
    parser_classes = [JSONParser]
    serializer_class: type[serializers.Serializer]

    def agency_system(self, request) -> AgencySystem:
        if not isinstance(request.user, AgencySystem):
            raise NotAuthenticated("an agency token is required: Authorization: Agency <token>")
        return request.user

    def post(self, request):
        system = self.agency_system(request)
        size = int(request.headers.get("Content-Length") or 0)
        if size > settings.PANJEREH_INBOUND_MAX_BYTES:
            return _err(413, "too_large", _("The body is %(size)s bytes, over the %(max)s allowed.")
                        % Localized({"size": size, "max": settings.PANJEREH_INBOUND_MAX_BYTES}))
        key = request.headers.get(KEY_HEADER, "").strip()
        if not key or len(key) > 200:
            return _err(400, "idempotency_key", _("An %(header)s header (1–200 characters) is required.")
                        % Localized({"header": KEY_HEADER}))
        body_hash = hashlib.sha256(request.body).hexdigest()
        previous = IdempotencyRecord.objects.filter(agency=system.agency, key=key).first()
        if previous:
            if previous.request_hash != body_hash:
                return _err(422, "idempotency_key_reused", _("%(header)s «%(key)s» was used with a different body.")
                        % Localized({"header": KEY_HEADER, "key": key}))
            return Response(previous.response, status=previous.status_code, headers={"Idempotent-Replay": "true"})
        body = self.serializer_class(data=request.data)
        if not body.is_valid():
            raise ValidationError(body.errors)
        code = normalize_digits(normalize_text(body.validated_data["application"])).upper()
        app = Application.objects.filter(tracking_code=code).first()
        if app is None:
            return _err(404, "not_found", _("There is no application %(code)s.") % Localized({"code": code}))
        try:
            with service_tx.composing():
                status_code, data = self.act(system, app, body.validated_data)
                if status_code < 500:
                    IdempotencyRecord.objects.create(agency=system.agency, key=key, request_hash=body_hash,
                                                     status_code=status_code, response=data)
        except IntegrityError:  # the same key raced in from another request: answer as it was answered
            previous = IdempotencyRecord.objects.get(agency=system.agency, key=key)
            return Response(previous.response, status=previous.status_code, headers={"Idempotent-Replay": "true"})
        return Response(data, status=status_code)


def _err(status_code, code, message, details=None):
    return error_response(status_code, code, message, details)


def _wrap(call):
    try:
        outcome = call()
    except services.WrongAgency as exc:
        return 403, {"error": {"code": "forbidden", "message": str(exc), "details": {exc.field: [str(exc)]}}}
    except services.ApplicationError as exc:
        return 400, {"error": {"code": "invalid", "message": str(exc), "details": {exc.field: [str(exc)]}}}
    except services.Conflict as exc:
        return 409, {"error": {"code": "conflict", "message": str(exc), "details": {}}}
    return 200, outcome


class InboundDecisionView(InboundView):
    serializer_class = InboundDecision

    @extend_schema(summary="An agency's system posts its decision on a file (agency token, Idempotency-Key)",
                   request=InboundDecision, parameters=[KEY_PARAMETER],
                   responses={200: OpenApiTypes.OBJECT, 413: None, 422: None})
    def post(self, request):
        return super().post(request)

    def act(self, system, app, d):
        if not app.tasks.filter(agency=system.agency).exists():
            return 403, {"error": {"code": "forbidden", "message": _("Agency %(agency)s has no task on this file.")
                                   % Localized({"agency": system.agency.code}),
                                   "details": {}}}
        code, result = _wrap(lambda: services.record_decision(
            actor=None, application=app, agency_code=system.agency.code, decision=d["decision"],
            conditions=d["conditions"], info_request=d["info_request"], reason_number=d["reason"],
            via=str(system)))
        if code != 200:
            return code, result
        return 200, {"application": app.tracking_code, "agency": system.agency.code, "status": result.obj.status,
                     "changed": result.changed}


class InboundConnectionView(InboundView):
    serializer_class = InboundConnection

    @extend_schema(summary="An agency's system reports a connection installed (agency token, Idempotency-Key)",
                   request=InboundConnection, parameters=[KEY_PARAMETER],
                   responses={200: OpenApiTypes.OBJECT, 413: None, 422: None})
    def post(self, request):
        return super().post(request)

    def act(self, system, app, d):
        code, result = _wrap(lambda: services.record_connection_installed(
            application=app, agency_code=system.agency.code, service_code=d["service"],
            subscription_number=d["subscription_number"], via=str(system)))
        if code != 200:
            return code, result
        return 200, {"application": app.tracking_code, "service": d["service"], "status": result.obj.status,
                     "subscription_number": result.obj.subscription_number, "changed": result.changed}
