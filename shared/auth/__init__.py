"""Authentication and authorisation shared by every service.

- `principal`: who is asking (scopes, unit scope); `units`: the unit tree as of a date;
- `checks`: what handlers call to authorise a command or narrow a read;
- `jwt` and `devissuer`: RS256 bearer tokens, the development issuer;
- `apikeys` and `keys` (CLI): API keys for partner systems; `tables`: their storage;
- `http`: turning a request's credentials into a principal (used by shared.web).

Kept import-light: shared.aggregate imports `principal` and `tables` from here.
"""
