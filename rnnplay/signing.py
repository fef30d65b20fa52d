"""Signed tokens: a small JSON payload and its HMAC-SHA256 under this server's secret, for what a URL
must carry but a visitor must not change (a teacher's view of a page: hidden controls, locks, lesson).

token = base64url(JSON) "." base64url(first 16 bytes of HMAC-SHA256(secret, base64url(JSON)))

The secret is RNNPLAY_SECRET when set (several replicas behind one address share it), else 32 random
bytes generated once and kept in a file beside the run store (`<RNNPLAY_STORE>.secret`, mode 0600), so
tokens survive a restart. Where that file cannot be written the secret lives in this process only and
tokens end with it. See docs/deploy.md. No streamlit.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
from pathlib import Path

from rnnplay.store import default_path

SECRET_ENV = "RNNPLAY_SECRET"
MAX_TOKEN_CHARS = 4000  # a teacher's view is a few hundred characters; anything longer is refused unread
MAC_BYTES = 16  # 128 bits of the HMAC: forging one is 2**128 tries

log = logging.getLogger(__name__)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret_path() -> Path:
    return Path(f"{default_path()}.secret")


@functools.lru_cache(maxsize=8)
def _file_secret(path: str) -> bytes:
    """The secret kept in path, made on first use (0600, written once: two processes that race keep the first)."""
    p = Path(path)
    try:
        return bytes.fromhex(p.read_text().strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.hex())
        return key
    except FileExistsError:
        return bytes.fromhex(p.read_text().strip())  # another process made it first
    except (OSError, ValueError):
        log.warning("rnnplay: cannot keep the signing secret in %s; teacher links end with this process", p)
        return key


def secret() -> bytes:
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    return _file_secret(str(secret_path()))


def _mac(body: str) -> str:
    return _b64(hmac.new(secret(), body.encode("ascii"), hashlib.sha256).digest()[:MAC_BYTES])


def sign(payload: dict) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_mac(body)}"


def verify(token: str) -> dict | None:
    """The payload of a token this server signed, or None (edited, cut, made elsewhere, not a token)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        if not hmac.compare_digest(mac.encode("ascii"), _mac(body).encode("ascii")):
            return None
        payload = json.loads(_unb64(body))
    except (UnicodeError, ValueError, binascii.Error, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None
