from django.urls import path

from .views import calendar, detail, invites, manage, members, packages, search, sections

app_name = "bands"

urlpatterns = [
    # Search
    path("", search.band_search_page, name="search"),
    # Create and manage the profile (leaders and admins)
    path("new/", manage.band_create, name="create"),
    path("<slug:slug>/manage/", manage.band_manage, name="manage"),
    path("<slug:slug>/manage/links/", manage.band_links, name="links"),
    path("<slug:slug>/manage/gig-times/", manage.band_gig_times, name="gig_times"),
    path("<slug:slug>/manage/photos/", manage.band_photos_page, name="photos"),
    path("<slug:slug>/manage/photos/<int:pk>/", manage.band_photo_edit, name="photo_edit"),
    path("<slug:slug>/manage/photos/<int:pk>/delete/", manage.band_photo_delete, name="photo_delete"),
    path("<slug:slug>/manage/music/", manage.band_embeds_page, name="embeds"),
    path("<slug:slug>/manage/music/<int:pk>/delete/", manage.band_embed_delete, name="embed_delete"),
    # Packages clients book, and the cancellation terms (leaders and admins)
    path("<slug:slug>/manage/packages/", packages.band_packages_page, name="packages"),
    path("<slug:slug>/manage/packages/<int:pk>/", packages.band_package_edit, name="package_edit"),
    # Members
    path("<slug:slug>/manage/members/", members.band_members_page, name="members"),
    path("<slug:slug>/manage/members/<int:pk>/remove/", members.band_member_remove, name="member_remove"),
    path("<slug:slug>/manage/leave/", members.band_leave, name="leave"),
    # Sections and the minimum line-up
    path("<slug:slug>/manage/sections/", sections.band_sections_page, name="sections"),
    path("<slug:slug>/manage/sections/line-up/", sections.band_lineup_save, name="lineup_save"),
    path("<slug:slug>/manage/sections/<int:pk>/rename/", sections.band_section_rename, name="section_rename"),
    path("<slug:slug>/manage/sections/<int:pk>/move/", sections.band_section_move, name="section_move"),
    path("<slug:slug>/manage/sections/<int:pk>/remove/", sections.band_section_remove, name="section_remove"),
    path("<slug:slug>/manage/sections/members/<int:pk>/", sections.band_member_sections, name="member_sections"),
    # Invites
    path("<slug:slug>/manage/invites/", invites.band_invites_page, name="invites"),
    path("<slug:slug>/manage/invites/<int:pk>/revoke/", invites.band_invite_revoke, name="invite_revoke"),
    # The band calendar (members only)
    path("green-zone/mine/", calendar.member_green_zone, name="member_green_zone"),
    path("<slug:slug>/calendar/", calendar.band_calendar, name="calendar"),
    path("<slug:slug>/calendar/find/", calendar.band_find_dates_page, name="calendar_find"),
    path("<slug:slug>/calendar/min/", calendar.band_calendar_min, name="calendar_min"),
    path("<slug:slug>/calendar/blocks/", calendar.band_block_create, name="block_create"),
    path("<slug:slug>/calendar/blocks/<int:pk>/delete/", calendar.band_block_delete, name="block_delete"),
    # The public profile
    path("<slug:slug>/", detail.band_detail, name="detail"),
]
