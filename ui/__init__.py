"""ui: the Chinese web pages people use, rendered on the server from the same engine as the API."""
