"""Every route of the gigs app: who plays a gig (answers, stand-ins) and what is played (songs, set lists).
The day sheet's pages are documents' (its paper)."""

from django.urls import path, re_path

from .views import answers, members, parts, set_lists, stand_ins, tours

app_name = "gigs"

urlpatterns = [
    # Answers: "Can you play?" per member and gig, the who-is-in table, one-click email links
    path("<uuid:uid>/", answers.gig_page, name="gig"),
    path("bands/<slug:slug>/", answers.band_gigs, name="band_gigs"),
    path("<uuid:uid>/card/", answers.booking_card, name="booking_card"),
    path("<uuid:uid>/table-answer/", answers.table_answer, name="table_answer"),
    path("answer/<str:token>/", answers.answer_link, name="answer_link"),
    # Parts: who plays which section at a gig (leaders give them, members read them)
    path("<uuid:uid>/parts/", parts.gig_parts, name="parts"),
    path("<uuid:uid>/answer-by/", answers.answer_by_set, name="answer_by"),
    path("<uuid:uid>/answers-lock/", answers.answers_lock, name="answers_lock"),
    # Members: a member's role, instrument and "required" (a door that gives them places at gigs)
    path("bands/<slug:slug>/members/<int:pk>/", members.band_member_edit, name="member_edit"),
    # Stand-ins: the band's pool, requests for a member's place, a stand-in's own page and feed
    path("bands/<slug:slug>/stand-ins/", stand_ins.stand_in_pool, name="stand_ins"),
    path("bands/<slug:slug>/stand-ins/<int:pk>/remove/", stand_ins.stand_in_remove_view, name="stand_in_remove"),
    path("<uuid:uid>/places/<int:pk>/stand-ins/", stand_ins.stand_in_request_new, name="stand_in_request"),
    path("stand-in/ask/<str:token>/", stand_ins.stand_in_ask, name="stand_in_ask"),
    re_path(r"^stand-in/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", stand_ins.stand_in_feed, name="stand_in_feed"),
    path("stand-in/<str:token>/", stand_ins.stand_in_home, name="stand_in_home"),
    # Set lists: the band's song library, a gig's set list, its print view
    path("bands/<slug:slug>/songs/", set_lists.song_library, name="songs"),
    path("bands/<slug:slug>/songs/<int:pk>/", set_lists.song_edit, name="song_edit"),
    path("bands/<slug:slug>/songs/<int:pk>/archive/", set_lists.song_archive, name="song_archive"),
    path("<uuid:uid>/set-list/", set_lists.set_list_page, name="set_list"),
    path("<uuid:uid>/set-list/add/", set_lists.set_list_add, name="set_list_add"),
    path("<uuid:uid>/set-list/entries/<int:pk>/move/", set_lists.set_list_move, name="set_list_move"),
    path("<uuid:uid>/set-list/order/", set_lists.set_list_order, name="set_list_order"),
    path("<uuid:uid>/set-list/copy/", set_lists.set_list_copy, name="set_list_copy"),
    path("<uuid:uid>/set-list/print/", set_lists.set_list_print, name="set_list_print"),
    # Tours: a band's tours, a person's own, the itinerary day by day, its gigs, stays and party, its money
    path("bands/<slug:slug>/tours/", tours.band_tours, name="band_tours"),
    path("tours/", tours.my_tours, name="my_tours"),
    path("tours/<int:pk>/", tours.tour_page, name="tour"),
    path("tours/<int:pk>/manage/", tours.tour_manage, name="tour_manage"),
    path("tours/<int:pk>/tour.ics", tours.tour_ics, name="tour_ics"),
    path("tours/<int:pk>/calendar/", tours.tour_calendar, name="tour_calendar"),
    re_path(r"^tours/feed/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", tours.tour_feed, name="tour_feed"),
    path("tours/<int:pk>/gigs/", tours.tour_gigs_add, name="tour_gigs_add"),
    path("tours/<int:pk>/gigs/<int:booking_pk>/remove/", tours.tour_gig_remove, name="tour_gig_remove"),
    path("tours/<int:pk>/stays/", tours.tour_stay_add, name="tour_stay_add"),
    path("tours/<int:pk>/stays/<int:stay_pk>/delete/", tours.tour_stay_delete, name="tour_stay_delete"),
    path("tours/<int:pk>/stays/<int:stay_pk>/rooms/", tours.tour_stay_rooms, name="tour_stay_rooms"),
    path("tours/<int:pk>/party/", tours.tour_traveller_add, name="tour_traveller_add"),
    path(
        "tours/<int:pk>/party/invites/<int:invite_pk>/withdraw/",
        tours.tour_invite_withdraw,
        name="tour_invite_withdraw",
    ),
    path("tours/<int:pk>/party/<int:traveller_pk>/remove/", tours.tour_traveller_remove, name="tour_traveller_remove"),
    path("tours/<int:pk>/money/", tours.tour_money, name="tour_money"),
    path("tours/<int:pk>/money/costs/<int:cost_pk>/delete/", tours.tour_cost_delete, name="tour_cost_delete"),
    path("tours/<int:pk>/money/attendance/<int:booking_pk>/", tours.tour_attendance, name="tour_attendance"),
    path("tours/<int:pk>/money/rates/", tours.tour_rate, name="tour_rate"),
]
