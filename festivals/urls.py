"""Every route of the festivals app: open calls and applications, the jury, the timetable builder and the
published timetable with its calendar files."""

from django.urls import path

from .views import calls, desk, jury, timetable

app_name = "festivals"

urlpatterns = [
    # The organiser's desk
    path("organise/", desk.desk, name="desk"),
    path("organise/<slug:org>/", desk.desk, name="desk_org"),
    # Open calls
    path("calls/", calls.call_list, name="calls"),
    path("calls/new/<slug:org>/", calls.call_new, name="call_new"),
    path("calls/<slug:slug>/", calls.call_page, name="call"),
    path("calls/<slug:slug>/apply/<slug:band>/", calls.application_send, name="apply"),
    path("calls/<slug:slug>/withdraw/<slug:band>/", calls.application_withdraw, name="withdraw"),
    path("calls/<slug:slug>/manage/", calls.call_manage, name="manage"),
    path("calls/<slug:slug>/manage/edit/", calls.call_edit, name="call_edit"),
    path("calls/<slug:slug>/manage/<str:action>/", calls.call_action, name="call_action"),
    # The jury
    path("calls/<slug:slug>/jury/", jury.jury_page, name="jury"),
    path("calls/<slug:slug>/jury/<str:code>/score/", jury.score, name="score"),
    path("calls/<slug:slug>/jury/<str:code>/decide/", jury.decide, name="decide"),
    # The timetable
    path("festivals/new/<slug:org>/", timetable.festival_new, name="festival_new"),
    path("festivals/<slug:slug>/", timetable.public, name="festival"),
    path("festivals/<slug:slug>/timetable/stages/", timetable.stage_add, name="stage_add"),
    path("festivals/<slug:slug>/timetable/", timetable.builder, name="builder"),
    path("festivals/<slug:slug>/timetable/place/", timetable.place, name="place"),
    path("festivals/<slug:slug>/timetable/move/", timetable.move, name="move"),
    path("festivals/<slug:slug>/timetable/withdraw/", timetable.withdraw, name="withdraw"),
    path("festivals/<slug:slug>/timetable/publish/", timetable.publish, name="publish"),
    path("festivals/<slug:slug>/stages/<int:stage_id>/running-order/", timetable.running_order, name="running_order"),
    path("festivals/<slug:slug>/stages/<int:stage_id>.ics", timetable.stage_ics, name="stage_ics"),
    path("festivals/<slug:slug>/acts/<slug:band>.ics", timetable.act_ics, name="act_ics"),
]
