from django.urls import path

from . import views_manage as v

urlpatterns = [
    path("new/", v.venue_create, name="create"),
    path("<slug:slug>/manage/", v.venue_manage, name="manage"),
    path("<slug:slug>/manage/stages/", v.venue_stages_page, name="stages"),
    path("<slug:slug>/manage/stages/<int:stage_id>/", v.venue_stage_update, name="stage_update"),
    path("<slug:slug>/manage/stages/<int:stage_id>/delete/", v.venue_stage_delete, name="stage_delete"),
    path("<slug:slug>/manage/photos/", v.venue_photos_page, name="photos"),
    path("<slug:slug>/manage/photos/<int:photo_id>/delete/", v.venue_photo_remove, name="photo_delete"),
    path("<slug:slug>/manage/staff/", v.venue_staff_page, name="staff"),
    path("<slug:slug>/manage/staff/<int:staff_id>/role/", v.venue_staff_role, name="staff_role"),
    path("<slug:slug>/manage/staff/<int:staff_id>/remove/", v.venue_staff_remove_view, name="staff_remove"),
    path("<slug:slug>/manage/leave/", v.venue_leave, name="leave"),
    path("<slug:slug>/manage/invites/", v.venue_invites_page, name="invites"),
    path("<slug:slug>/manage/invites/<int:invite_id>/revoke/", v.venue_invite_revoke_view, name="invite_revoke"),
    # HTMX
    path("new/suggest-address/", v.venue_slug_suggestion, name="slug_suggestion"),
]
