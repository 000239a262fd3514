"""REST API: privacy (issue 10/11)."""

urlpatterns: list = []
