from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "kindred.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.webhooks import events

        events.register("referral.received", _("Your organisation receives a referral"))
        events.register(
            "referral.updated", _("A referral your organisation is part of changes")
        )
        kinds.register(
            "referrals.consent_requested",
            _("Someone asks your consent to refer you"),
        )
        kinds.register("referrals.received", _("Your organisation receives a referral"))
        kinds.register("referrals.updated", _("A referral you are part of changes"))
        kinds.register("referrals.message", _("A message on a referral"))
        kinds.register(
            "referrals.outcome",
            _("An outcome of your referral needs your confirmation"),
        )
        kinds.register(
            "referrals.overdue", _("A referral is waiting past its response time")
        )
