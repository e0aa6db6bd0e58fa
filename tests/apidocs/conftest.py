"""The auth tests' identity provider and services (AUTH_MODE=required), for the documents'
tests: what a document promises is checked against the services as a partner meets them."""

from tests.auth.conftest import auth_settings, idp, idp_key, services

__all__ = ["auth_settings", "idp", "idp_key", "services"]
