"""HTTP interface: FastAPI application, routes, auth and schemas."""
