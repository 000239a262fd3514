from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeerhelpConfig(AppConfig):
    name = "kindred.peerhelp"
    label = "peerhelp"
    verbose_name = _("Peer help")
