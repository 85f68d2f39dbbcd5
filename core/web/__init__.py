"""The request and its answer: htmx, JSON bodies, addresses, sessions, caching headers, first visits."""
