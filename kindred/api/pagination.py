from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class IdCursorPagination(CursorPagination):
    """Stable cursor pages ordered by id; `?page_size=` from 1 to 100."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> Any:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if (
            len(values) > 1
            or not re.fullmatch(r"[0-9]{1,3}", values[0])
            or not (1 <= int(values[0]) <= self.max_page_size)
        ):
            raise ValidationError(
                {"page_size": [_("Give one whole number from 1 to 100.")]}
            )
        return int(values[0])
