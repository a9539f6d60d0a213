"""Access log lines as hosts write them, for the engagement tests and benchmark: one request, four formats."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
          "Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")
SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
TEAMS = "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"
OUTLOOK = "Mozilla/5.0 (compatible; Microsoft Office/16.0; Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)"
LINKEDIN = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PROOFPOINT = CHROME + " Proofpoint"
MIMECAST = "Mimecast URL Protect"
BARRACUDA = "Barracuda Sentinel (EE)"
NOT_PEOPLE = (SLACK, TEAMS, OUTLOOK, LINKEDIN, GOOGLEBOT, PROOFPOINT, MIMECAST, BARRACUDA)


@dataclass(frozen=True)
class Hit:
    when: dt.datetime  # aware
    ip: str
    path: str
    agent: str = CHROME
    method: str = "GET"
    status: int = 200
    purpose: str = ""

    def combined(self, offset_hours: int = 0) -> str:
        local = self.when.astimezone(dt.timezone(dt.timedelta(hours=offset_hours)))
        stamp = local.strftime("%d/%b/%Y:%H:%M:%S %z")
        return (f'{self.ip} - - [{stamp}] "{self.method} {self.path} HTTP/1.1" {self.status} 5120 '
                f'"-" "{self.agent}"')

    def cloudflare(self) -> str:
        record = {"ClientIP": self.ip, "ClientRequestHost": "advocates.vendor.example",
                  "ClientRequestMethod": self.method, "ClientRequestURI": self.path,
                  "ClientRequestPath": self.path.split("?")[0], "ClientRequestUserAgent": self.agent,
                  "ClientRequestSource": "eyeball", "EdgeResponseStatus": self.status, "EdgeResponseBytes": 5120,
                  "EdgeStartTimestamp": self.when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "RayID": "8f1c2a3b4c5d6e7f"}
        if self.purpose:
            record["RequestHeaders"] = {"sec-purpose": self.purpose}
        return json.dumps(record, separators=(",", ":"))

    def netlify(self) -> str:
        record = {"client_ip": self.ip, "content_type": "text/html", "country": "US", "deploy_id": "6750f1",
                  "duration": 3, "log_type": "traffic", "method": self.method, "referrer": "",
                  "request_id": "01JDX", "request_size": 512, "response_size": 5120, "site_id": "a1b2",
                  "status_code": self.status, "timestamp": self.when.isoformat(),
                  "url": "https://advocates.vendor.example" + self.path, "user_agent": self.agent}
        return json.dumps(record, separators=(",", ":"))

    def caddy(self) -> str:
        headers = {"User-Agent": [self.agent], **({"Sec-Purpose": [self.purpose]} if self.purpose else {})}
        record = {"level": "info", "ts": self.when.timestamp(), "logger": "http.log.access", "msg": "handled request",
                  "request": {"remote_ip": self.ip, "client_ip": self.ip, "proto": "HTTP/2.0", "method": self.method,
                              "host": "advocates.vendor.example", "uri": self.path, "headers": headers},
                  "status": self.status, "size": 5120}
        return json.dumps(record, separators=(",", ":"))
