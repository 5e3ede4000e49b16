"""The web portal: an ASGI app (Starlette, Jinja2 templates) served by uvicorn (`hub serve`).

One more entrypoint: routes read forms, call the service layer through `Portal` and render;
no SQL and no business rule here. Only this package imports starlette, jinja2 and uvicorn.
"""
