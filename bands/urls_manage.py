from django.urls import path

from . import views_manage as views

urlpatterns = [
    path("new/", views.band_create, name="create"),
    path("<slug:slug>/manage/", views.band_manage, name="manage"),
    path("<slug:slug>/manage/links/", views.band_links, name="links"),
    path("<slug:slug>/manage/photos/", views.band_photos_page, name="photos"),
    path("<slug:slug>/manage/photos/<int:pk>/", views.band_photo_edit, name="photo_edit"),
    path("<slug:slug>/manage/photos/<int:pk>/delete/", views.band_photo_delete, name="photo_delete"),
    path("<slug:slug>/manage/music/", views.band_embeds_page, name="embeds"),
    path("<slug:slug>/manage/music/<int:pk>/delete/", views.band_embed_delete, name="embed_delete"),
    path("<slug:slug>/manage/members/", views.band_members_page, name="members"),
    path("<slug:slug>/manage/members/<int:pk>/", views.band_member_edit, name="member_edit"),
    path("<slug:slug>/manage/members/<int:pk>/remove/", views.band_member_remove, name="member_remove"),
    path("<slug:slug>/manage/leave/", views.band_leave, name="leave"),
    path("<slug:slug>/manage/invites/", views.band_invites_page, name="invites"),
    path("<slug:slug>/manage/invites/<int:pk>/revoke/", views.band_invite_revoke, name="invite_revoke"),
]
