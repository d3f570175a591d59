"""A small OpenID Connect provider on loopback for the sign-in tests: discovery, JWKS,
an authorize endpoint that approves at once, and a token endpoint that checks the
PKCE verifier and the client secret and signs a real RS256 ID token (joserfc).
`tweak` changes the next ID tokens' claims; `foreign_key` signs them with a key the
JWKS does not hold."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID, CLIENT_SECRET = "isindex-test", "s3cret-test"


_KEYS: list[RSAKey] = []


def _keys() -> tuple[RSAKey, RSAKey]:
    """The provider's signing key and a foreign one with the same kid, made once per
    process: a 2048-bit RSA key takes a good part of a second to generate."""
    if not _KEYS:
        _KEYS.extend(RSAKey.generate_key(2048, parameters={"kid": "k1"}) for _ in range(2))
    return _KEYS[0], _KEYS[1]


class Provider:
    def __init__(self) -> None:
        self.key, self.other = _keys()
        self.email = "practitioner@example.org"
        self.tweak: dict = {}
        self.foreign_key = False
        self.codes: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the loop's next poll: 0.5 s by default, at every test's end.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "user-1", "email": self.email, "email_verified": True,
                  "nonce": nonce, "iat": now, "exp": now + 300} | self.tweak
        key = self.other if self.foreign_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json({"issuer": provider.issuer, "authorization_endpoint": provider.issuer + "/authorize",
                                "token_endpoint": provider.issuer + "/token", "jwks_uri": provider.issuer + "/jwks"})
                elif url.path == "/jwks":
                    self._json(KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    assert q["code_challenge_method"] == "S256" and q["client_id"] == CLIENT_ID
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = q
                    self.send_response(303)
                    self.send_header("Location", q["redirect_uri"] + "?" + urlencode({"code": code,
                                                                                      "state": q["state"]}))
                    self.end_headers()
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                        .items()}
                basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                asked = provider.codes.pop(form.get("code", ""), None)
                if self.headers.get("Authorization") != f"Basic {basic}" or asked is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest())
                if challenge.rstrip(b"=").decode() != asked["code_challenge"] or \
                        form["redirect_uri"] != asked["redirect_uri"]:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                self._json({"access_token": "unused", "token_type": "Bearer",
                            "id_token": provider.id_token(asked["nonce"])})

        return Handler
