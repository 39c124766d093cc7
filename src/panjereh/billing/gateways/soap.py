"""A SOAP 1.1 call over HTTP, for the banks that speak it (Behpardakht Mellat): the envelope written here, the
answer parsed with defusedxml (a bank's answer, or anything pretending to be one, is not trusted to be a
well-behaved XML document)."""

import urllib.error
import urllib.request
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from panjereh.billing.psp import GatewayError

ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_ANSWER = 256 * 1024


def envelope(namespace: str, operation: str, params: dict) -> bytes:
    body = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in params.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{ENVELOPE}" '
            f'xmlns:ns1="{namespace}"><soapenv:Body><ns1:{operation}>{body}</ns1:{operation}>'
            f"</soapenv:Body></soapenv:Envelope>").encode()


def call(url: str, namespace: str, operation: str, params: dict, *, timeout: float) -> str:
    """The text of the operation's ``return`` element; GatewayError when the bank cannot be reached, answers
    with an HTTP error or a SOAP fault, or answers something that is not its envelope."""
    request = urllib.request.Request(url, data=envelope(namespace, operation, params), method="POST", headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        raise GatewayError(f"the bank answered HTTP {exc.code} to {operation}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GatewayError(f"the bank could not be reached for {operation} ({exc.__class__.__name__})") from None
    if len(raw) > MAX_ANSWER:
        raise GatewayError(f"the bank's answer to {operation} is too large")
    try:
        root = ElementTree.fromstring(raw)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise GatewayError(f"the bank's answer to {operation} is not a SOAP envelope") from None
    fault = root.find(f".//{{{ENVELOPE}}}Fault")
    if fault is not None:
        raise GatewayError(f"the bank answered {operation} with a SOAP fault: {fault.findtext('faultstring')}")
    value = root.find(".//return")
    if value is None:
        raise GatewayError(f"the bank's answer to {operation} has no return value")
    return (value.text or "").strip()
