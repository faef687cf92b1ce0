"""The web dashboard: static pages served by the API, built on the REST API and its event stream."""
