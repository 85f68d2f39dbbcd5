from django.urls import path

from .views import detail, invites, manage, search, staff

app_name = "venues"

urlpatterns = [
    # Search
    path("", search.venue_search_page, name="search"),
    # Create and manage the profile, stages and photos (owners and bookers)
    path("new/", manage.venue_create, name="create"),
    path("<slug:slug>/manage/", manage.venue_manage, name="manage"),
    path("<slug:slug>/manage/stages/", manage.venue_stages_page, name="stages"),
    path("<slug:slug>/manage/stages/<int:stage_id>/", manage.venue_stage_update, name="stage_update"),
    path("<slug:slug>/manage/stages/<int:stage_id>/delete/", manage.venue_stage_delete, name="stage_delete"),
    path("<slug:slug>/manage/photos/", manage.venue_photos_page, name="photos"),
    path("<slug:slug>/manage/photos/<int:photo_id>/delete/", manage.venue_photo_remove, name="photo_delete"),
    # Staff
    path("<slug:slug>/manage/staff/", staff.venue_staff_page, name="staff"),
    path("<slug:slug>/manage/staff/<int:staff_id>/role/", staff.venue_staff_role, name="staff_role"),
    path("<slug:slug>/manage/staff/<int:staff_id>/remove/", staff.venue_staff_remove_view, name="staff_remove"),
    path("<slug:slug>/manage/leave/", staff.venue_leave, name="leave"),
    # Invites (owners)
    path("<slug:slug>/manage/invites/", invites.venue_invites_page, name="invites"),
    path("<slug:slug>/manage/invites/<int:invite_id>/revoke/", invites.venue_invite_revoke_view, name="invite_revoke"),
    # HTMX: the create form's address suggestion
    path("new/suggest-address/", manage.venue_slug_suggestion, name="slug_suggestion"),
    # The public profile
    path("<slug:slug>/", detail.venue_detail, name="detail"),
]
