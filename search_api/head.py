"""HEAD answered wherever GET is: the request runs as a GET and only its head is sent (FastAPI's
routes declare GET alone, and link checkers, caches and monitors ask HEAD first)."""
from __future__ import annotations


class HeadAsGetMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_head_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        return await self.app(dict(scope, method="GET"), receive, send_head_only)
