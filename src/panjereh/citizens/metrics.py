"""What the identity inquiry answered, counted for the operators' metrics (``/metrics``, docs/operations.md): a
rising share of ``unavailable`` is the inquiry down, and files from home then wait for their check."""

from prometheus_client import Counter

INQUIRIES = Counter("panjereh_identity_inquiries", "Identity inquiries asked, by outcome", ["outcome"])
