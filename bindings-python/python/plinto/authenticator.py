"""The authenticator side of TOTP: read an ``otpauth://`` URI (from a QR code or a setup
page) and compute its codes, with the same native code the engine checks them with.

Useful for tests, command-line tools and apps that act as an authenticator::

    from plinto.authenticator import authenticator_code

    code = authenticator_code(setup.qr_code_url).code

Both functions are generated from the core's operation table.
"""

from __future__ import annotations

from ._operations import authenticator_code, parse_otpauth_uri

__all__ = ["authenticator_code", "parse_otpauth_uri"]
