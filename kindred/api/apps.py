from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kindred.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from kindred.api import schema  # noqa: F401  (registers the auth extension)
