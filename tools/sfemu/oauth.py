"""OAuth 2.0 token endpoint: password, refresh-token, client-credentials, JWT bearer;
the web server (PKCE) and device flows are in oauth_user.py.

Credentials (all documented in docs/emulator.md):
  client id / secret      forcefs-test / forcefs-test
  user / password         test@example.com / forcefs-test
  fixed refresh token     FIXED_REFRESH_TOKEN (valid until revoked)
Client credentials run as the integration user (integration@example.com).
JWT bearer: the assertion's RS256 signature is checked against the certificate or
public key given with --jwt-cert or POST /__emulator/jwt-certificate; only
test@example.com is pre-authorized for the connected app.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse

from . import org
from .errors import OAuthError
from .oauth_user import UserFlows

CLIENT_ID = "forcefs-test"
CLIENT_SECRET = "forcefs-test"
USERNAME = "test@example.com"
PASSWORD = "forcefs-test"
FIXED_REFRESH_TOKEN = "5Aep861forcefsTestRefreshToken.FixedForTests0000000000000000000000"

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")

_USERS = {u["Username"]: u["Id"] for u in org.users()}
TEST_USER_ID = _USERS[USERNAME]
INTEGRATION_USER_ID = _USERS["integration@example.com"]


class Auth:
    """Issued access and refresh tokens (thread-safe)."""

    def __init__(self, token_lifetime=7200.0, now=time.time):
        self.lock = threading.Lock()
        self.lifetime = float(token_lifetime)
        self._now = now
        self.access = {}      # token -> {"user": id, "expires": epoch s}
        self.refresh = {FIXED_REFRESH_TOKEN: {"user": TEST_USER_ID,
                                              "revoked": False}}
        self.jwt_key = None   # the connected app's certificate (public key)
        self.users = UserFlows(self, CLIENT_ID, TEST_USER_ID, now)
        self.rotate_refresh = False   # refresh token rotation (a connected app setting)

    def set_jwt_certificate(self, pem):
        """The connected app's certificate or public key (PEM text), or None."""
        if pem is None:
            self.jwt_key = None
            return
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        data = pem.encode() if isinstance(pem, str) else pem
        if b"CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
        self.jwt_key = key

    def _jwt_user(self, assertion, base_url):
        """User id for a valid JWT bearer assertion, or an OAuthError."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def b64(part):
            return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

        bad = OAuthError("invalid_grant", "invalid assertion")
        parts = (assertion or "").split(".")
        if len(parts) != 3:
            raise bad
        try:
            header = json.loads(b64(parts[0]))
            claims = json.loads(b64(parts[1]))
            sig = b64(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise bad
        if not isinstance(header, dict) or not isinstance(claims, dict) \
                or header.get("alg") != "RS256":
            raise bad
        if claims.get("iss") != CLIENT_ID:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if self.jwt_key is None:
            raise bad
        try:
            self.jwt_key.verify(sig, (parts[0] + "." + parts[1]).encode(),
                                padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, TypeError):
            raise bad
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if not any(a in JWT_AUDIENCES or a == base_url for a in auds):
            raise OAuthError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise bad
        if self._now() >= exp:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        if claims.get("sub") != USERNAME:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return _USERS[USERNAME]

    # --- state for --data ---------------------------------------------
    def dump(self):
        with self.lock:
            return {"access": dict(self.access), "refresh": dict(self.refresh)}

    def load(self, data):
        with self.lock:
            self.access.update(data.get("access", {}))
            self.refresh.update(data.get("refresh", {}))

    # --- tokens -------------------------------------------------------
    def _new_access(self, user):
        tok = "%s!%s" % (org.ORG_ID[:15], "AQ" + secrets.token_urlsafe(72)
                         .replace("-", ".").replace("_", "."))
        self.access[tok] = {"user": user,
                            "expires": self._now() + self.lifetime}
        return tok

    def check(self, token):
        """User id for a live access token, or None."""
        with self.lock:
            t = self.access.get(token)
            if t is None:
                return None
            if self._now() >= t["expires"]:
                del self.access[token]
                return None
            return t["user"]

    def expire_all(self):
        with self.lock:
            n = len(self.access)
            self.access.clear()
            return n

    def expire(self, token):
        with self.lock:
            return self.access.pop(token, None) is not None

    def revoke_refresh(self, token=None):
        """Revoke one refresh token (or all when token is None)."""
        with self.lock:
            if token is None:
                for t in self.refresh.values():
                    t["revoked"] = True
                return len(self.refresh)
            t = self.refresh.get(token)
            if t is None:
                return 0
            t["revoked"] = True
            return 1

    def restore_fixed_refresh(self):
        with self.lock:
            self.refresh[FIXED_REFRESH_TOKEN] = {"user": TEST_USER_ID,
                                                 "revoked": False}

    def _signed_body(self, user_id, base_url, access, refresh, scope):
        issued = str(int(self._now() * 1000))
        ident = "%s/id/%s/%s" % (base_url, org.ORG_ID, user_id)
        sig = base64.b64encode(hmac.new(CLIENT_SECRET.encode(),
                                        (ident + issued).encode(),
                                        hashlib.sha256).digest()).decode()
        body = {"access_token": access}
        if refresh:
            body["refresh_token"] = refresh
        body.update({"signature": sig, "scope": scope,
                     "instance_url": base_url, "id": ident,
                     "token_type": "Bearer", "issued_at": issued})
        return body

    def issue_with_refresh(self, user_id, base_url):
        """A new session and refresh token for user_id (web server and device flows)."""
        with self.lock:
            refresh = "5Aep861" + secrets.token_urlsafe(60).replace(
                "-", ".").replace("_", ".")
            self.refresh[refresh] = {"user": user_id, "revoked": False}
            access = self._new_access(user_id)
        return self._signed_body(user_id, base_url, access, refresh, "refresh_token api")

    # --- the endpoint -------------------------------------------------
    def token_request(self, form, headers, base_url):
        """Handle POST /services/oauth2/token; returns the JSON body."""
        grant = form.get("grant_type")
        if grant is None and form.get("response_type") == "device_code":
            return self.users.device_start(form, base_url)
        if grant == "authorization_code":
            return self.users.exchange_code(form, base_url)
        if grant == "device":
            return self.users.device_poll(form, base_url)
        cid, secret = form.get("client_id"), form.get("client_secret")
        basic = headers.get("Authorization", "")
        if basic.lower().startswith("basic "):
            try:
                raw = base64.b64decode(basic[6:].strip()).decode()
                bid, _, bsecret = raw.partition(":")
                cid = cid or urllib.parse.unquote(bid)
                secret = secret or urllib.parse.unquote(bsecret)
            except (ValueError, UnicodeDecodeError):
                raise OAuthError("invalid_client", "invalid client credentials")
        if grant == JWT_GRANT:
            with self.lock:
                user_id = self._jwt_user(form.get("assertion"), base_url)
                access = self._new_access(user_id)
            return {"access_token": access, "scope": "api",
                    "instance_url": base_url,
                    "id": "%s/id/%s/%s" % (base_url, org.ORG_ID, user_id),
                    "token_type": "Bearer"}
        if grant not in ("password", "refresh_token", "client_credentials"):
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        if cid != CLIENT_ID:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if grant != "refresh_token" or secret is not None:
            if secret != CLIENT_SECRET:
                raise OAuthError("invalid_client", "invalid client credentials")
        refresh_out = None
        with self.lock:
            if grant == "password":
                user = form.get("username")
                if user not in _USERS or form.get("password") != PASSWORD \
                        or user != USERNAME:
                    raise OAuthError("invalid_grant", "authentication failure")
                user_id = _USERS[user]
                refresh_out = "5Aep861" + secrets.token_urlsafe(60).replace(
                    "-", ".").replace("_", ".")
                self.refresh[refresh_out] = {"user": user_id, "revoked": False}
                scope = "refresh_token api"
            elif grant == "refresh_token":
                rt = self.refresh.get(form.get("refresh_token", ""))
                if rt is None or rt["revoked"]:
                    raise OAuthError("invalid_grant",
                                     "expired access/refresh token")
                user_id = rt["user"]
                scope = "refresh_token api"
                if self.rotate_refresh:
                    # the used token dies; the answer carries its successor
                    rt["revoked"] = True
                    refresh_out = "5Aep861" + secrets.token_urlsafe(60).replace(
                        "-", ".").replace("_", ".")
                    self.refresh[refresh_out] = {"user": user_id, "revoked": False}
            else:
                user_id = INTEGRATION_USER_ID
                scope = "api"
            access = self._new_access(user_id)
        return self._signed_body(user_id, base_url, access, refresh_out, scope)

    def revoke_request(self, form):
        """POST /services/oauth2/revoke: revokes a refresh or access token."""
        tok = form.get("token", "")
        with self.lock:
            if tok in self.refresh:
                self.refresh[tok]["revoked"] = True
                return
            if tok in self.access:
                del self.access[tok]
                return
        raise OAuthError("unsupported_token_type",
                         "this token type is not supported")
