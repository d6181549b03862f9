"""The errors a load can end with: raised by the ETL, caught by whoever started the load (the
CLI, the dashboard's data page, the first-run build), in-process or across ``store.jobs``."""


class PublishError(RuntimeError):
    """The new version could not be published; the previous one is untouched."""


class IntegrityError(PublishError):
    """The staged warehouse failed an integrity check and was not published."""


class ReconciliationError(IntegrityError):
    """Rows a file loaded are not all in the fact tables: nothing is published."""


class StorageError(PublishError):
    """The staging copy cannot be written (disk full, read-only directory …)."""


class MappingError(ValueError):
    """A file's columns cannot be mapped to a kind of record."""
