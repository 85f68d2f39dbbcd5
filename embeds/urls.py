from django.urls import path

from . import views

app_name = "embeds"

urlpatterns = [
    # The widget other sites frame (no cookies, any site may frame it)
    path("embed/bands/<slug:slug>/", views.band_embed, name="band"),
    # The band's page with the snippets and the colours (leaders and admins)
    path("bands/<slug:slug>/manage/website/", views.band_website, name="website"),
]
