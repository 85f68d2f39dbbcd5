"""What is left of a reply email once the quoted message and the signature are cut, as the common mail clients
write them (English and German)."""

import pytest

from accounts.mail.replies import reply_text

SITE = "https://stageslot.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"


CASES = {
    "gmail": (
        "Six is fine.\n\nOn Mon, 3 Nov 2026 at 10:00, StageSlot <noreply@stageslot.example> wrote:\n\n"
        "> Can we load in at six?\n>\n> Stop emails of this kind: https://stageslot.example/mail/unsubscribe/x/\n",
        "Six is fine.",
    ),
    "gmail, a long header wrapped": (
        "Six is fine.\n\nOn Mon, 3 Nov 2026 at 10:00, StageSlot Notifications <noreply@stageslot.example>\n"
        "wrote:\n> Can we load in at six?\n",
        "Six is fine.",
    ),
    "gmail, German": (
        "Passt.\n\nAm Mo., 3. Nov. 2026 um 10:00 Uhr schrieb StageSlot <noreply@stageslot.example>:\n> Um sechs?\n",
        "Passt.",
    ),
    "gmail, German, wrapped": (
        "Passt.\n\nAm Mo., 3. Nov. 2026 um 10:00 Uhr schrieb StageSlot Benachrichtigungen\n"
        "<noreply@stageslot.example>:\n> Um sechs?\n",
        "Passt.",
    ),
    "apple mail": (
        "Yes.\n\nSent from my iPhone\n\n> On 3 Nov 2026, at 10:00, StageSlot wrote:\n> Can you?\n",
        "Yes.",
    ),
    "iphone, German": ("Ja.\n\nVon meinem iPhone gesendet\n\n> Am 03.11.2026 um 10:00 schrieb StageSlot:\n", "Ja."),
    "outlook": (
        "Fine by us.\n\n-----Original Message-----\nFrom: StageSlot <noreply@stageslot.example>\n"
        "Sent: Monday, November 3, 2026 10:00 AM\nTo: sam@example.com\nSubject: StageSlot: a message\n\nCan you?\n",
        "Fine by us.",
    ),
    "outlook, German, no separator": (
        "Einverstanden.\n\nVon: StageSlot <noreply@stageslot.example>\nGesendet: Montag, 3. November 2026 10:00\n"
        "An: sam@example.com\nBetreff: StageSlot: eine Nachricht\n\nKönnt ihr?\n",
        "Einverstanden.",
    ),
    "outlook, underscores": (
        "OK.\n\n________________________________\nFrom: StageSlot\nSent: Monday\n\nOld text\n",
        "OK.",
    ),
    "thunderbird": ("Agreed.\n\nOn 03/11/2026 10:00, StageSlot wrote:\n> Can you?\n", "Agreed."),
    "bottom-posted": (
        "On Mon, 3 Nov 2026, StageSlot wrote:\n> Can you load in at six?\n\nYes, six works.\n\n> And the rider?\n\n"
        "Attached tomorrow.\n",
        "Yes, six works.\n\nAttached tomorrow.",
    ),
    "a signature": ("See you then.\n\n-- \nSam Rivera\nThe Night Shift\n+49 30 1234567\n", "See you then."),
    "a link of ours is removed, others stay": (
        f"Look at {SITE}/bookings/act/signed-token/ and https://example.com/rider.pdf\n",
        "Look at  and https://example.com/rider.pdf",
    ),
    "a line saying 'on' in the text is kept": (
        "On Friday we play.\nWe wrote it down.\n",
        "On Friday we play.\nWe wrote it down.",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_reply_is_cut_where_the_quote_begins(name):
    text, expected = CASES[name]
    assert reply_text(text) == expected


def test_an_html_only_reply_is_read_as_text():
    assert reply_text("", "<div>Six is fine.</div><div><br></div><blockquote>&gt; old</blockquote>") == "Six is fine."


def test_only_quoted_text_leaves_nothing():
    assert reply_text("On Mon, Sam wrote:\n> Can you?\n") == ""
