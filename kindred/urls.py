from django.conf import settings
from django.urls import include, path

from kindred.core import views as core_views

handler400 = "kindred.core.views.error_400"
handler403 = "kindred.core.views.error_403"
handler404 = "kindred.core.views.error_404"
handler500 = "kindred.core.views.error_500"

urlpatterns = [
    path("", include("kindred.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("account/data/", include("kindred.privacy.urls")),
    path("account/consents/", include("kindred.consents.urls")),
    path("account/", include("kindred.accounts.urls")),
    path("account/", include("allauth.urls")),
    path("members/", include("kindred.accounts.member_urls")),
    path("organisations/", include("kindred.webhooks.urls")),
    path("organisations/", include("kindred.organisations.urls")),
    path("notifications/", include("kindred.notifications.urls")),
    path("", include("kindred.directory.urls")),
    path("referrals/", include("kindred.referrals.urls")),
    path("", include("kindred.collaboration.urls")),
    path("groups/", include("kindred.communities.urls")),
    path("events/", include("kindred.events.urls")),
    path("asks/", include("kindred.peerhelp.urls")),
    path("insights/", include("kindred.insights.urls")),
    path("projects/", include("kindred.projects.urls")),
    path("moderation/", include("kindred.moderation.urls")),
    path("mentoring/", include("kindred.mentoring.urls")),
    path("courses/", include("kindred.learning.urls")),
    path("programmes/", include("kindred.programmes.urls")),
    path("networking/", include("kindred.networking.urls")),
    path("ecosystem/", include("kindred.analytics.urls")),
    path("hsds/", include("kindred.directory.hsds_urls")),
    path("steward/", include("kindred.core.steward_urls")),
    path("launch/", include("kindred.launch.urls")),
    path("api/v1/", include("kindred.api.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
