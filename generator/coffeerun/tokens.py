"""Private link tokens: HMAC-SHA256 of campaign id, site kind (and advocate) and link_version."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

SECRET_ENV = "COFFEERUN_SECRET"
PREVIEW_SECRET = b"coffeerun-preview-only-not-secret"
TOKEN_BYTES = 20  # 160 bits, URL-safe base32 without padding: 32 characters
SHARE, KIT = "share", "kit"
ADVOCATE = "kit:"  # site name prefix of an advocate's own kit: "kit:<advocate-id>"
FROM = "from"  # attributed share links: <share_url>from/<advocate-id>/


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
    """The private sites of one campaign and their URLs: the share site, the owner's kit, and each
    advocate's own kit (advocate id, token), in the campaign's order."""

    share_token: str
    kit_token: str
    site_url: str
    advocate_tokens: tuple[tuple[str, str], ...] = ()

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

    def has_kit(self, advocate_id: str) -> bool:
        """Whether the advocate has a kit of their own among these links (planning gives every advocate one)."""
        return advocate_id in dict(self.advocate_tokens)

    def advocate_kit_token(self, advocate_id: str) -> str:
        return dict(self.advocate_tokens)[advocate_id]

    def advocate_kit_url(self, advocate_id: str) -> str:
        return self.url(self.advocate_kit_token(advocate_id))

    def attributed_url(self, advocate_id: str, *parts: str) -> str:
        """The share link that says who shared it: <share_url>from/<advocate-id>/[parts/]."""
        return self.url(self.share_token, FROM, advocate_id, *parts)

    def sites(self) -> dict[str, str]:
        """Every top-level folder of the campaign: site name ("share", "kit", "kit:<advocate>") -> token."""
        return {SHARE: self.share_token, KIT: self.kit_token,
                **{ADVOCATE + advocate: tok for advocate, tok in self.advocate_tokens}}

    def allowed_tokens(self, site: str) -> set[str]:
        """The private links a site may name (the leak check): a share site only its own; an advocate's
        kit its own and the share site; the owner's kit every site of its campaign."""
        if site == SHARE:
            return {self.share_token}
        if site == KIT:
            return set(self.sites().values())
        return {self.share_token, self.sites()[site]}


def campaign_links(secret: bytes, campaign_id: str, link_version: int, site_url: str,
                   advocate_ids: tuple[str, ...] | list[str] = ()) -> Links:
    return Links(token(secret, campaign_id, SHARE, link_version), token(secret, campaign_id, KIT, link_version),
                 site_url, tuple((a, token(secret, campaign_id, KIT, link_version, a)) for a in advocate_ids))
