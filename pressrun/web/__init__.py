"""The web dashboard's files: plain HTML, CSS and JavaScript modules under `static/`, served by
`pressrun.api.routers.dashboard` and built on the REST API and its event stream."""
