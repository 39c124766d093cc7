"""API tokens are stored as hashes: a copy of the database signs nobody in."""

import hashlib


def hash_token(raw: str) -> str:
    """The stored form of an API token: its SHA-256 (a token is random, so no salt or slow hash is needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class HashedTokenAuthentication:
    """``Authorization: <keyword> <key>`` checked against stored hashes (DRF authentication).

    Subclasses name the keyword and look the hash up (:meth:`find`: the (principal, token) pair, or None for an
    unknown, expired or revoked token)."""

    keyword = ""
    refusal = "unknown, expired or revoked token"

    def find(self, key_hash: str):
        raise NotImplementedError

    def authenticate(self, request):
        from rest_framework.exceptions import AuthenticationFailed

        header = request.headers.get("Authorization", "")
        if not header.startswith(self.keyword + " "):
            return None
        raw = header[len(self.keyword) + 1:].strip()
        if not raw or len(raw) > 200:
            raise AuthenticationFailed("malformed token")
        found = self.find(hash_token(raw))
        if found is None:
            raise AuthenticationFailed(self.refusal)
        return found

    def authenticate_header(self, request):
        return self.keyword
