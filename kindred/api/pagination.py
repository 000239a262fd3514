from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Stable cursor pages ordered by id; `?page_size=` up to 100."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 100
