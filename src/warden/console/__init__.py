"""The review console: server-rendered pages over the same services as the REST API, at /console.

`install(app)` mounts it on the API's app (see `warden.console.app`). Templates and static files are
package data; nothing is loaded from a CDN.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from warden.console.app import build

    app.mount("/console", build(app), name="console")
