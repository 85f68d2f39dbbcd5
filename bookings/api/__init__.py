"""The public JSON API, /api/v1/ (docs/decisions/0019-json-api.md)."""
