"""JSON for responses through orjson, which encodes the map's GeoJSON pins much faster than json."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider

# Naive datetimes are UTC throughout the app: they go out as RFC 3339 to the second, "2026-06-18T23:56:00Z"
# (the API's documented form), encoded in C rather than by an isoformat call per map pin.
OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


class OrjsonProvider(DefaultJSONProvider):
    """Flask's provider with orjson encoding; what orjson cannot encode falls back to Flask's rules."""

    # Flask types its provider's app as the framework-neutral App, whose response class takes no body;
    # this provider is only installed on a Flask app (create_app), whose Response does.
    _app: Flask

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # callers asking for json.dumps options (indent, sort_keys, ...) get the stdlib
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=OPTIONS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default, option=OPTIONS)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)
