"""The OpenID provider of the sign-in tests: tests/oidc/provider.mjs (the npm package oidc-provider, a
certified implementation) run by Node on a loopback port, and a person at its log-in page, driven with
`requests` as a browser would (tests/e2e drives it with Chromium).

`make test` installs its node_modules from tests/oidc/package-lock.json (npm ci). Without Node the
sign-in tests skip locally; under CI=true they fail instead, so a green CI run means they ran.
"""
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
START_SECONDS = 30
CALLBACK = "/login/oidc/callback"
PROVIDER_NAME = "Test District Identity"


def node_or_skip() -> str:
    """Node, with the provider's packages installed; a skip (locally) or a failure (CI) without it."""
    node = shutil.which("node")
    if node is None:
        message = "Node.js is not installed: the sign-in tests need it to run their OpenID provider."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI runs them always: install nodejs.)", pytrace=False)
        pytest.skip(message)
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("tests/oidc/node_modules is missing: run `make install-test` (npm ci --prefix tests/oidc).",
                    pytrace=False)
    return node


@dataclass
class OpenIDProvider:
    """The provider process; `issuer` and the clients' credentials once started."""

    redirect_uri: str
    post_logout_uri: str
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    other_client: dict = field(default_factory=dict)
    password: str = ""
    process: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> "OpenIDProvider":
        node = node_or_skip()
        env = {**os.environ, "OIDC_TEST_REDIRECT_URI": self.redirect_uri,
               "OIDC_TEST_POST_LOGOUT_URI": self.post_logout_uri, "NODE_ENV": "test"}
        handle, name = tempfile.mkstemp(prefix="oidc-provider-", suffix=".log")
        self.log = Path(name)
        self.process = subprocess.Popen([node, "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=subprocess.PIPE,
                                        stderr=handle, text=True)
        os.close(handle)
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        line = self.process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        if not line:
            self.stop()
            pytest.fail(f"the OpenID provider did not start:\n{self.log.read_text()}", pytrace=False)
        started = json.loads(line)
        self.issuer, self.client_id, self.client_secret = started["issuer"], started["client_id"], \
            started["client_secret"]
        self.other_client, self.password = started["other_client"], started["password"]
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.unlink(missing_ok=True)

    def discovery(self) -> dict:
        return requests.get(self.issuer + "/.well-known/openid-configuration", timeout=10).json()

    def settings(self, base_url: str) -> dict:
        """The portal's settings for signing in through this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": self.client_id,
                "OIDC_CLIENT_SECRET": self.client_secret, "OIDC_PROVIDER_NAME": PROVIDER_NAME,
                "PORTAL_BASE_URL": base_url}


FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


class PersonAtProvider:
    """Someone at the provider's own pages in a browser of their own (cookies and all)."""

    def __init__(self, provider: OpenIDProvider):
        self.provider = provider
        self.browser = requests.Session()

    def _follow(self, url: str, stop_at: str) -> requests.Response | str:
        """Follow the provider's redirects; the address that leaves for `stop_at`, or the page it shows."""
        for _ in range(10):
            if url.startswith(stop_at):
                return url
            response = self.browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code not in (302, 303):
                return response
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("too many redirects at the provider")

    def sign_in(self, authorize_url: str, username: str, stop_at: str, password: str | None = None) -> str:
        """Open the authorization URL, sign in on the provider's page; the redirect back (a URL)."""
        page = self._follow(authorize_url, stop_at)
        if isinstance(page, str):  # already signed in at the provider: straight back
            return page
        action = FORM_ACTION.search(page.text)
        assert action, f"no log-in form at the provider:\n{page.text[:500]}"
        response = self.browser.post(urljoin(page.url, unescape(action.group(1))),
                                     data={"username": username, "password": password or self.provider.password},
                                     allow_redirects=False, timeout=10)
        assert response.status_code == 303, response.text[:500]
        back = self._follow(urljoin(page.url, response.headers["Location"]), stop_at)
        assert isinstance(back, str), f"the provider did not send the person back:\n{back.text[:500]}"
        return back

    def cancel(self, authorize_url: str, stop_at: str) -> str:
        """Open the authorization URL and choose Cancel on the provider's page; the redirect back."""
        page = self._follow(authorize_url, stop_at)
        assert not isinstance(page, str)
        cancel = re.search(r'<a href="([^"]+/abort)"', page.text)
        assert cancel
        back = self._follow(urljoin(page.url, cancel.group(1)), stop_at)
        assert isinstance(back, str)
        return back
