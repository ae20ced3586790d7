"""The OAuth flows with a person in them: web server flow with PKCE, device flow.

Web server flow (as `sf org login web` runs it):
  GET /services/oauth2/authorize?response_type=code&client_id=...&redirect_uri=...
      &code_challenge=<base64url(SHA-256(verifier))>&code_challenge_method=S256&state=...
  -> 302 to redirect_uri?code=...&state=... (the emulator's "user" test@example.com has
     logged in and approved at once; POST /__emulator/authorize {"decision": "deny"}
     makes the next ones 302 with error=access_denied instead). An unknown client id or
     a redirect URI the connected app does not have is an HTML error page (400), never
     a redirect, as on Salesforce. Accepted redirect URIs: http://localhost or
     http://127.0.0.1, any port, path /OauthRedirect (the Salesforce CLI's callback;
     a real connected app lists exact URLs).
  POST /services/oauth2/token grant_type=authorization_code&code&client_id&redirect_uri
      &code_verifier -> a session with a refresh token. Codes are single use and live
     15 minutes.

Device flow:
  POST /services/oauth2/token response_type=device_code&client_id&scope
  -> {device_code, user_code, verification_uri, interval}
  POST /services/oauth2/token grant_type=device&client_id&code=<device_code>
  -> authorization_pending until approved, slow_down when polled sooner than the
     interval, access_denied when denied, invalid_grant once the code has expired
     (10 minutes, settable), then a session with a refresh token.
  POST /__emulator/device {"user_code": ..., "decision": "allow"|"deny"} is the
  person entering the code; {"interval": s, "lifetime": s} changes the next codes, and
  {"min_interval": s} (null: none) makes polls sooner than s apart slow_down whatever interval was
  announced (a server that wants slower polling than it said).
"""

import base64
import hashlib
import secrets
import threading
import time
import urllib.parse

from . import org
from .errors import OAuthError
from .wire import Response

AUTH_CODE_LIFETIME = 900.0
DEVICE_LIFETIME = 600.0
DEVICE_INTERVAL = 5
REDIRECT_PATH = "/OauthRedirect"


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def redirect_allowed(uri):
    try:
        parts = urllib.parse.urlsplit(uri or "")
        parts.port  # raises on a bad port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")
            and parts.path == REDIRECT_PATH and not parts.fragment)


def _with_query(uri, params):
    sep = "&" if urllib.parse.urlsplit(uri).query else "?"
    return uri + sep + urllib.parse.urlencode(params)


def _error_page(error, description):
    body = ("<html><head><title>Error</title></head><body><p>error=%s</p>"
            "<p>error_description=%s</p></body></html>" % (error, description))
    return Response(400, body.encode(), "text/html;charset=UTF-8")


class UserFlows:
    def __init__(self, auth, client_id, user_id, now=time.time):
        self.lock = threading.Lock()
        self.auth = auth
        self.client_id = client_id
        self.user_id = user_id
        self._now = now
        self.reset()

    def reset(self):
        with self.lock:
            self.codes = {}       # code -> {challenge, redirect_uri, expires}
            self.devices = {}     # device_code -> {...}
            self.decision = "allow"
            self.device_interval = DEVICE_INTERVAL
            self.device_min_interval = None   # None: the announced interval
            self.device_lifetime = DEVICE_LIFETIME

    # --- web server flow ----------------------------------------------
    def authorize(self, req):
        p = req.param
        redirect = p("redirect_uri")
        if p("client_id") != self.client_id:
            return _error_page("invalid_client_id", "client identifier invalid")
        if not redirect_allowed(redirect):
            return _error_page("redirect_uri_mismatch",
                               "redirect_uri must match configuration")
        state = p("state")

        def back(params):
            if state is not None:
                params["state"] = state
            return Response(302, b"", None, [("Location", _with_query(redirect, params))])

        if p("response_type") != "code":
            return back({"error": "unsupported_response_type",
                         "error_description": "response type not supported"})
        challenge, method = p("code_challenge"), p("code_challenge_method", "S256")
        if challenge is not None and (method != "S256" or len(challenge) != 43):
            return back({"error": "invalid_request",
                         "error_description": "invalid code_challenge"})
        with self.lock:
            if self.decision == "deny":
                return back({"error": "access_denied",
                             "error_description": "end-user denied authorization"})
            code = "aPrx" + secrets.token_urlsafe(48)
            self.codes[code] = {"challenge": challenge, "redirect_uri": redirect,
                                "expires": self._now() + AUTH_CODE_LIFETIME}
        return back({"code": code})

    def exchange_code(self, form, base_url):
        if form.get("client_id") != self.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        with self.lock:
            entry = self.codes.pop(form.get("code") or "", None)
        if entry is None or self._now() >= entry["expires"]:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if form.get("redirect_uri") != entry["redirect_uri"]:
            raise OAuthError("invalid_grant", "redirect_uri must match configuration")
        if entry["challenge"] is not None:
            verifier = form.get("code_verifier") or ""
            digest = _b64url(hashlib.sha256(verifier.encode()).digest())
            if not secrets.compare_digest(digest, entry["challenge"]):
                raise OAuthError("invalid_grant", "invalid code verifier")
        return self.auth.issue_with_refresh(self.user_id, base_url)

    # --- device flow --------------------------------------------------
    def device_start(self, form, base_url):
        if form.get("client_id") != self.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        with self.lock:
            user_code = "".join(secrets.choice(letters) for _ in range(8))
            device_code = "M2Rldm" + secrets.token_urlsafe(40)
            self.devices[device_code] = {
                "user_code": user_code, "state": "pending", "last_poll": None,
                "interval": (self.device_interval if self.device_min_interval is None
                             else self.device_min_interval),
                "expires": self._now() + self.device_lifetime}
            interval = self.device_interval
        return {"device_code": device_code, "user_code": user_code,
                "verification_uri": base_url + "/setup/connect", "interval": interval}

    def device_poll(self, form, base_url):
        if form.get("client_id") != self.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        with self.lock:
            d = self.devices.get(form.get("code") or "")
            if d is None:
                raise OAuthError("invalid_grant", "invalid device code")
            now = self._now()
            if now >= d["expires"]:
                del self.devices[form["code"]]
                raise OAuthError("invalid_grant", "expired authorization code")
            last, d["last_poll"] = d["last_poll"], now
            if last is not None and now - last < d["interval"] - 0.2:
                raise OAuthError("slow_down", "polling too quickly")
            if d["state"] == "denied":
                del self.devices[form["code"]]
                raise OAuthError("access_denied", "end-user denied authorization")
            if d["state"] == "pending":
                raise OAuthError("authorization_pending", "authorization pending")
            del self.devices[form["code"]]
        return self.auth.issue_with_refresh(self.user_id, base_url)

    # --- control ------------------------------------------------------
    def control_device(self, data, fail):
        for key in ("interval", "min_interval", "lifetime"):
            v = data.get(key)
            if key == "min_interval" and v is None:
                continue
            if key in data and (not isinstance(v, (int, float)) or isinstance(v, bool)
                                or v < 0):
                fail("%s must be a number of seconds" % key)
        with self.lock:
            if "interval" in data:
                self.device_interval = data["interval"]
            if "lifetime" in data:
                self.device_lifetime = float(data["lifetime"])
            if "min_interval" in data:
                self.device_min_interval = data["min_interval"]
            code = data.get("user_code")
            if code is None:
                return {"interval": self.device_interval,
                        "lifetime": self.device_lifetime,
                        "pending": sorted(d["user_code"] for d in self.devices.values()
                                          if d["state"] == "pending")}
            decision = data.get("decision", "allow")
            if decision not in ("allow", "deny"):
                fail("decision must be 'allow' or 'deny'")
            for d in self.devices.values():
                if d["user_code"] == code and d["state"] == "pending":
                    d["state"] = "approved" if decision == "allow" else "denied"
                    return {"user_code": code, "state": d["state"]}
        fail("no pending device code with user code %s" % code)

    def control_authorize(self, data, fail):
        decision = data.get("decision", "allow")
        if decision not in ("allow", "deny"):
            fail("decision must be 'allow' or 'deny'")
        with self.lock:
            self.decision = decision
        return {"decision": decision}


def user_id_of(username):
    return next(u["Id"] for u in org.users() if u["Username"] == username)
