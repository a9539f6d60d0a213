"""Requests no colleague made: bots, link unfurlers, mail-security scanners, prefetches."""

from __future__ import annotations

from functools import lru_cache

# Fetchers that open a link to show a preview or to check it for malware, before (or instead of) a person.
# crawlerdetect knows most of them; these are the ones it misses or that matter most here, matched
# case-insensitively anywhere in the user agent.
UNFURLERS_AND_SCANNERS = (
    "slackbot", "slack-imgproxy", "skypeuripreview", "microsoftpreview", "teamsbot", "ms-office",
    "microsoft office", "outlook-ios", "outlook-android", "safelinks", "linkedinbot", "discordbot",
    "whatsapp", "twitterbot", "facebookexternalhit", "facebot", "telegrambot", "googleimageproxy",
    "yahoomailproxy", "iframely", "embedly", "mattermost", "rocket.chat", "zoom", "webex",
    "proofpoint", "mimecast", "barracuda", "messagelabs", "symantec", "trend micro", "trendmicro",
    "forcepoint", "ironport", "cisco", "sophos", "zscaler", "fireeye", "trellix", "checkpoint",
    "check point", "avanan", "abnormal", "ms search", "bingpreview", "headlesschrome", "phantomjs",
)
PREFETCH = ("prefetch", "prerender", "preview")  # Purpose / Sec-Purpose / X-Moz header values


@lru_cache(maxsize=1)
def _detector():
    from crawlerdetect import CrawlerDetect

    return CrawlerDetect()


@lru_cache(maxsize=65_536)
def is_automated(user_agent: str) -> bool:
    """True for a user agent no person reads with: empty, a known unfurler or scanner, or any bot
    crawlerdetect (a maintained list) knows."""
    agent = user_agent.strip()
    if agent in ("", "-"):
        return True
    lowered = agent.lower()
    if any(name in lowered for name in UNFURLERS_AND_SCANNERS):
        return True
    return bool(_detector().isCrawler(agent))


def is_prefetch(purpose: str) -> bool:
    lowered = purpose.lower()
    return any(word in lowered for word in PREFETCH)
