"""Running the service: health checks, the worker heartbeat, metrics scraping, request context."""
