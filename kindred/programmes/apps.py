from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "kindred.programmes"
    label = "programmes"
    verbose_name = _("Cohort programmes and outcome evaluation")

    def ready(self) -> None:
        from kindred.notifications import kinds
        from kindred.programmes import services
        from kindred.referrals.signals import referral_moved
        from kindred.webhooks import events

        kinds.register("programmes.place_added", _("You got a place in a programme"))
        kinds.register("programmes.survey_due", _("A programme survey is due"))
        kinds.register(
            "programmes.to_be_placed",
            _("Someone accepted onto your programme waits for a cohort place"),
        )
        events.register(
            "programme.place_added", _("A participant got a place in a cohort")
        )
        referral_moved.connect(
            services.on_referral_moved, dispatch_uid="programmes.place_from_referral"
        )
