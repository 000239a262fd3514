from django.urls import path

from kindred.directory import hsds_api as views

app_name = "hsds"
urlpatterns = [
    path("", views.index, name="index"),
    path("openapi.json", views.openapi, name="openapi"),
    path("services", views.services, name="services"),
    path("services/<str:pk>", views.service, name="service"),
    path("organizations", views.organisations, name="organizations"),
    path("organizations/<str:pk>", views.organisation, name="organization"),
    path("taxonomies", views.taxonomies, name="taxonomies"),
    path("taxonomies/<str:pk>", views.taxonomy, name="taxonomy"),
    path("taxonomy_terms", views.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:pk>", views.taxonomy_term, name="taxonomy_term"),
    path(
        "service_at_locations", views.service_at_locations, name="service_at_locations"
    ),
    path(
        "service_at_locations/<str:pk>",
        views.service_at_location,
        name="service_at_location",
    ),
]
