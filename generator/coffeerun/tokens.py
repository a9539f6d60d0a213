"""Private link tokens: HMAC-SHA256 of campaign id, site kind and link_version."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

SECRET_ENV = "COFFEERUN_SECRET"
PREVIEW_SECRET = b"coffeerun-preview-only-not-secret"
TOKEN_BYTES = 20  # 160 bits, URL-safe base32 without padding: 32 characters


def secret_from_env() -> bytes | None:
    value = os.environ.get(SECRET_ENV, "")
    return value.encode("utf-8") if value.strip() else None  # a blank secret is no secret


def token(secret: bytes, campaign_id: str, kind: str, link_version: int, advocate_id: str | None = None) -> str:
    """An unguessable, stable path segment; lowercase so hosts and mail clients keep it intact."""
    fields = [kind, campaign_id, *([advocate_id] if advocate_id is not None else []), str(link_version)]
    message = ("coffeerun/v1\x00" + "\x00".join(fields)).encode("utf-8")
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(digest).decode("ascii").lower()


@dataclass(frozen=True)
class Links:
    """The two private sites of one campaign and their URLs."""

    share_token: str
    kit_token: str
    site_url: str

    def url(self, *parts: str) -> str:
        base = self.site_url.rstrip("/")
        return "/".join([base, *parts]) + "/"

    @property
    def share_url(self) -> str:
        return self.url(self.share_token)

    @property
    def kit_url(self) -> str:
        return self.url(self.kit_token)

    def audience_url(self, audience_id: str) -> str:
        return self.url(self.share_token, audience_id)


def campaign_links(secret: bytes, campaign_id: str, link_version: int, site_url: str) -> Links:
    return Links(token(secret, campaign_id, "share", link_version),
                 token(secret, campaign_id, "kit", link_version), site_url)
