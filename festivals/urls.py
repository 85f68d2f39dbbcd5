"""Every route of the festivals app: open calls and applications, the jury, the timetable builder and the
published timetable with its calendar files."""

from django.urls import path

from .views import calls, desk, jury, releases, timetable

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
    path("festivals/<slug:slug>/", releases.public, name="festival"),
    path("festivals/<slug:slug>/timetable/stages/", timetable.stage_add, name="stage_add"),
    path("festivals/<slug:slug>/timetable/", timetable.builder, name="builder"),
    path("festivals/<slug:slug>/timetable/place/", timetable.place, name="place"),
    path("festivals/<slug:slug>/timetable/move/", timetable.move, name="move"),
    path("festivals/<slug:slug>/timetable/withdraw/", timetable.withdraw, name="withdraw"),
    path("festivals/<slug:slug>/timetable/counter/", timetable.counter_answer, name="counter_answer"),
    path("festivals/<slug:slug>/timetable/release/", releases.release_publish, name="release_publish"),
    # What the public reads: the last release (decision 0103)
    path("festivals/<slug:slug>/stages/<int:stage_id>/running-order/", releases.running_order, name="running_order"),
    path("festivals/<slug:slug>/stages/<int:stage_id>.ics", releases.stage_ics, name="stage_ics"),
    path("festivals/<slug:slug>/acts/<slug:band>.ics", releases.act_ics, name="act_ics"),
    path("festivals/<slug:slug>/schedule.json", releases.schedule_file, {"kind": "json"}, name="schedule_json"),
    path("festivals/<slug:slug>/schedule.xml", releases.schedule_file, {"kind": "xml"}, name="schedule_xml"),
    path("festivals/<slug:slug>/releases/", releases.release_list, name="releases"),
    path("festivals/<slug:slug>/releases/<int:number>/", releases.release_page, name="release"),
    path(
        "festivals/<slug:slug>/releases/<int:number>/schedule.json",
        releases.release_schedule_file,
        {"kind": "json"},
        name="release_schedule_json",
    ),
    path(
        "festivals/<slug:slug>/releases/<int:number>/schedule.xml",
        releases.release_schedule_file,
        {"kind": "xml"},
        name="release_schedule_xml",
    ),
]
