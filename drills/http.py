"""A small HTTP client for the drills: keeps cookies, signs in through the login form, talks JSON to the API."""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid
from typing import Any

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, ms: float) -> None:
        self.status, self.headers, self.body, self.ms = status, headers, body, ms

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        api = path.startswith("/api/")
        if self.cookies and not api:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token and api:
            # The API by token alone: with the session cookie as well, DRF would ask for a CSRF token.
            sent["Authorization"] = f"Token {self.token}"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            raw = self.conn.getresponse()
            data = raw.read()
        except Exception:
            self.conn.close()  # the next request opens a fresh connection
            raise
        ms = (time.perf_counter() - start) * 1000
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie" and not api:
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if raw.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data, ms)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, data: dict[str, Any]) -> Response:
        return self.request("POST", path, json.dumps(data).encode(), {"Content-Type": "application/json"})

    def post_form(
        self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
    ) -> Response:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in (files or {}).items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return self.request("POST", path, b"".join(parts), headers)

    def login(self, username: str, password: str) -> None:
        """Sign in through the login form (session for the pages) and fetch an API token."""
        page = self.get("/accounts/login/")
        match = CSRF_INPUT.search(page.body.decode())
        if not match:
            raise RuntimeError(f"no CSRF token on the login page ({page.status})")
        done = self.post_form(
            "/accounts/login/", {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
        )
        if done.status != 302:
            raise RuntimeError(f"sign-in of {username} answered {done.status}")
        answer = self.post_json("/api/v1/auth/token/", {"username": username, "password": password})
        if answer.status != 200:
            raise RuntimeError(f"token for {username} answered {answer.status}")
        self.token = answer.json()["token"]
