"""Storage: the database, its tables and its migrations."""

from warden.store.database import ENV_URL, Database, default_path, default_url

__all__ = ["ENV_URL", "Database", "default_path", "default_url"]
