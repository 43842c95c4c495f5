"""search_api: the FastAPI service over the index (search, documents) that also serves the UI."""
