"""REST API: consents (issue 10/11)."""

urlpatterns: list = []
