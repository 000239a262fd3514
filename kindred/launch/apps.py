from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaunchConfig(AppConfig):
    name = "kindred.launch"
    label = "launch"
    verbose_name = _("Launch")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kindred.launch import signals

        post_migrate.connect(
            signals.print_setup_key, sender=self, dispatch_uid="launch.setup_key"
        )
