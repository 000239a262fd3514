"""REST API: analytics (issue 10/11)."""

urlpatterns: list = []
