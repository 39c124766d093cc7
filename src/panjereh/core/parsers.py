"""The API's JSON parser: DRF's, with a bound on nesting.

Python's json module recurses once per level: a body nested some thousands of levels deep raises
RecursionError (a 500), and a few dozen levels already mean the body is not one of ours. The depth is
measured on the raw text before parsing (brackets outside strings), so no deep structure is ever built.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20


def json_depth(text: bytes | str) -> int:
    """How deeply arrays and objects nest in a JSON text (strings and escapes skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text.decode("utf-8", "replace") if isinstance(text, bytes) else text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    """JSON bodies nested at most MAX_DEPTH levels; deeper ones are a 400 naming the limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if json_depth(raw) > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels")
        import io

        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
