"""The API's request and response bodies: one module per router, shared shapes in `common`."""
