"""What OPTIONS answers (DEFAULT_METADATA_CLASS; kept apart from the views, which DRF settings must not import)."""

from rest_framework.metadata import SimpleMetadata


class AllowMetadata(SimpleMetadata):
    """OPTIONS answers what `Allow` lists: the operation's name and methods, no field
    introspection (the OpenAPI schema at /api/schema/ documents every operation)."""

    def determine_metadata(self, request, view):
        return {"name": view.get_view_name(), "methods": view.allowed_methods}
