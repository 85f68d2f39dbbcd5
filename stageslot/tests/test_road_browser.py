"""In Chromium at 390 px, the show day with no signal backstage (decision 0091): a member who also works the
door opens their next shows; offline, the day sheet, set list and guest list open from the device marked
"offline – as of", a page not kept is the offline page; they answer "can you play" and tick three guests in;
back online each change lands once (sent again, nothing changes), the guest the venue ticked in meanwhile
comes back as a conflict with both versions; the pages are dark as the phone is, and fit it; after logging
out nothing of the band is left in Cache Storage or IndexedDB."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import IdempotencyKey
from accounts.tests.factories import PASSWORD
from gigs.models import GigAnswer, GuestEntry
from gigs.services.guest_lists import guest_check_in, guest_entry_add
from gigs.tests.factories import gig_world
from venues.models import VenueStaff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTBOX = """async () => new Promise((done) => {
  const open = indexedDB.open("ss-outbox-" + document.body.dataset.roadUser);
  open.onsuccess = () => { const all = open.result.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => { open.result.close(); done(all.result); }; };
})"""
SEND_AGAIN = """async (entries) => {
  const keep = await (await fetch("/me/offline/", {cache: "no-store"})).json();
  const answers = [];
  for (const e of entries) {
    const r = await fetch(e.url, {method: "POST", body: e.body, headers: {"Idempotency-Key": e.key,
      "X-CSRFToken": keep.csrf, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"}});
    answers.push(r.status);
  }
  return answers;
}"""
LEFT = """async () => [...(await caches.keys()), ...(await indexedDB.databases()).map((d) => d.name)]
  .filter((name) => name.startsWith("ss-") && !name.startsWith("ss-shell-"))"""


@pytest.mark.console_errors  # the page goes offline on purpose: htmx says it could not send
def test_the_show_day_opens_and_changes_offline_and_lands_once(live_server, browser):
    world = gig_world("-offline")
    VenueStaff.objects.create(venue=world.venue, user=world.member)  # the member works the door too
    ida, bo, cy = (
        guest_entry_add(booking=world.gig, by=world.owner, side="venue", name=name, plus_ones=0, note="")
        for name in ("Ida", "Bo", "Cy")
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(world.member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}/me/road/")
    expect(page.locator("html[data-road-kept]")).to_be_attached()  # the next shows are on the device

    context.set_offline(True)
    base = f"{live_server.url}/documents/bookings/{world.gig.uid}"
    for url in (f"{base}/day-sheet/", f"{live_server.url}/gigs/{world.gig.uid}/set-list/", f"{base}/guest-list/"):
        page.goto(url)
        expect(page.locator("[data-offline-mark]")).to_contain_text(re.compile(r"Offline – as of \d\d:\d\d"))
    page.goto(f"{live_server.url}/dashboard/")  # not kept: the plain offline page, not the browser's error
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    page.goto(f"{base}/guest-list/")
    # A dark room: the show day's pages are dark when the phone is, and fit its width.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(16, 17, 31)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for guest in ("Ida", "Bo", "Cy"):
        page.get_by_role("button", name=f"Check in: {guest}").click()
    expect(page.locator("[data-road-box]")).to_contain_text("3 changes are kept on this device")
    page.goto(f"{live_server.url}/gigs/{world.gig.uid}/")
    page.get_by_label("Definitely").check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.locator("[data-road-box]")).to_contain_text("4 changes are kept on this device")
    entries = page.evaluate(OUTBOX)
    guest_check_in(booking=world.gig, by=world.owner, entry_id=cy.pk)  # the venue, meanwhile
    cy_in = GuestEntry.objects.get(pk=cy.pk).checked_in_at

    context.set_offline(False)
    page.reload()
    expect(page.locator("[data-road-box]")).to_contain_text("Cy was changed at the door meanwhile.")
    expect(page.locator(".road-theirs")).to_contain_text("Now on StageSlot: checked in at")
    expect(page.locator(".road-yours")).to_contain_text("Yours, not sent: checked in at")
    assert GigAnswer.objects.get(booking=world.gig, member=world.member).answer == "definitely"
    landed = {e.pk: e.checked_in_at for e in GuestEntry.objects.filter(pk__in=[ida.pk, bo.pk, cy.pk])}
    assert landed[ida.pk] and landed[bo.pk] and landed[cy.pk] == cy_in
    assert page.evaluate(SEND_AGAIN, entries) == [200, 200, 409, 200]  # the first answers, kept
    assert IdempotencyKey.objects.filter(user=world.member).count() == 4
    assert {e.pk: e.checked_in_at for e in GuestEntry.objects.filter(pk__in=landed)} == landed

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    assert page.evaluate(LEFT) == []
    context.close()
