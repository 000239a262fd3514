from django.urls import path

from kindred.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("snapshot/", views.take_snapshot, name="take_snapshot"),
    path("public-page/", views.public_page, name="public_page"),
    path("export/metrics.csv", views.export_metrics, name="export_metrics"),
    path("export/identifiable/", views.export_identifiable, name="export_identifiable"),
    path(
        "export/graph.<str:fmt>",
        views.export_graph,
        name="export_graph",
    ),
    path("network/", views.network, name="network"),
    path("network.json", views.network_json, name="network_json"),
    path("organisations/<int:pk>/", views.organisation, name="organisation"),
    path("public/", views.public, name="public"),
    path("me/", views.my_ties, name="my_ties"),
]
