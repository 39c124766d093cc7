"""Sign-in for API clients: a username and password for a token (throttled like the sign-in page)."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from panjereh.agencies.staff_tokens import new_token
from panjereh.core import audit
from panjereh.core.api_errors import error_response


class SignInRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]  # public; what each caller sees is decided by the permission module

    @extend_schema(operation_id="auth_token", summary="Sign in: a new API token (shown once; only its hash is kept)",
                   request=SignInRequest,
                   responses={200: inline_serializer("Token", {"token": serializers.CharField(),
                                                               "expires_at": serializers.DateTimeField()}),
                              401: None, 429: None})
    def post(self, request):
        body = SignInRequest(data=request.data)
        body.is_valid(raise_exception=True)
        credentials = {"username": body.validated_data["username"]}
        if AxesProxyHandler.is_locked(request, credentials):
            return error_response(status.HTTP_429_TOO_MANY_REQUESTS, "locked",
                                  "too many failed sign-ins for this account or address; try again later")
        user = authenticate(request, username=body.validated_data["username"],
                            password=body.validated_data["password"])
        if user is None or not user.is_active:
            if AxesProxyHandler.is_locked(request, credentials):
                return error_response(status.HTTP_429_TOO_MANY_REQUESTS, "locked",
                                      "too many failed sign-ins for this account or address; try again later")
            response = error_response(status.HTTP_401_UNAUTHORIZED, "invalid", "wrong username or password",
                                      {"password": ["wrong username or password"]})
            response["WWW-Authenticate"] = 'Token realm="api"'
            return response
        token, raw = new_token(user)
        audit.record(actor=user, action="auth.token_issued", obj=token, data={"prefix": token.prefix})
        return Response({"token": raw, "expires_at": token.expires_at})
