"""Whose word on a reply's sender counts (issue 82): only the verdict the mail service reached itself, read where
that service puts it – never a header the sender wrote into their own message. A forger who adds
"Authentication-Results: dmarc=pass" is unverified with every service, so nothing they send is posted and
nobody is written back to (bookings/tests/test_mail_replies.py tries it through Postmark's webhook)."""

import pytest
from anymail.inbound import AnymailInboundMessage
from django.http import QueryDict

from accounts.mail.inbound import SERVICE_VERDICTS, inbound_sender_verified

SENDER = "mara@band.example"
FORGED = "Authentication-Results: mx.example.com; dmarc=pass header.from=band.example\n"


def message(headers: str = "", envelope: str = "bounce@band.example") -> AnymailInboundMessage:
    raw = f"{headers}From: Mara <{SENDER}>\nTo: t-1@reply.example\nSubject: Re: a gig\n\nSix is fine.\n"
    parsed = AnymailInboundMessage.parse_raw_mime(raw)
    parsed.envelope_sender = envelope
    return parsed


class Posted:
    def __init__(self, **fields):
        self.POST = QueryDict(mutable=True)
        self.POST.update(fields)


def ses(**verdicts) -> dict:
    return {"receipt": {name: {"status": status} for name, status in verdicts.items()}}


@pytest.mark.parametrize("esp", [*SERVICE_VERDICTS, "Brevo", "SparkPost", ""])
def test_a_senders_own_dmarc_pass_is_believed_by_no_service(esp):
    forged = message(FORGED)
    event = Posted() if esp == "SendGrid" else {}
    assert inbound_sender_verified(forged, SENDER, esp=esp, esp_event=event) is False


@pytest.mark.parametrize(
    ("esp", "headers", "event", "verified"),
    [
        ("Postmark", "Received-SPF: Pass identity=mailfrom; envelope-from=bounce@band.example\n", None, True),
        (
            "Postmark",
            "Received-SPF: Fail identity=mailfrom\nReceived-SPF: Pass envelope-from=x@band.example\n",
            None,
            False,
        ),
        ("Postmark", "Received-SPF: Pass identity=mailfrom; envelope-from=bounce@evil.example\n", None, False),
        ("Mailgun", "X-Mailgun-Spf: Pass\n", None, True),
        ("Mailgun", "X-Mailgun-Spf: Fail\n" + FORGED, None, False),
        ("Amazon SES", "", ses(dmarcVerdict="PASS"), True),
        ("Amazon SES", "", ses(spfVerdict="PASS"), True),
        ("Amazon SES", FORGED, ses(dmarcVerdict="FAIL", spfVerdict="FAIL", dkimVerdict="PASS"), False),
        ("Amazon SES", FORGED, None, False),
        ("SendGrid", "", Posted(SPF="pass"), True),
        ("SendGrid", "", Posted(SPF="fail", dkim="{@band.example : pass}"), True),
        ("SendGrid", FORGED, Posted(SPF="fail", dkim="{@evil.example : pass}"), False),
    ],
    ids=[
        "postmark-spf-pass",
        "postmark-fail-on-top",
        "postmark-pass-for-another-domain",
        "mailgun-spf-pass",
        "mailgun-fail-and-forged-results",
        "ses-dmarc",
        "ses-spf-for-the-envelope",
        "ses-dkim-alone-says-nothing-of-the-from-domain",
        "ses-without-its-notification",
        "sendgrid-spf",
        "sendgrid-dkim-of-the-from-domain",
        "sendgrid-dkim-of-another-domain",
    ],
)
def test_each_service_is_read_where_it_puts_its_own_verdict(esp, headers, event, verified):
    assert inbound_sender_verified(message(headers), SENDER, esp=esp, esp_event=event) is verified


def test_a_named_receiving_server_is_read_only_in_the_topmost_header_it_wrote(settings):
    settings.MAIL_INBOUND_AUTHSERV_ID = "mx.relay.example"
    own = "Authentication-Results: mx.relay.example; dmarc=pass header.from=band.example\n"
    assert inbound_sender_verified(message(own), SENDER, esp="Brevo") is True
    # The same words from anyone else, or below the server's own verdict, count for nothing.
    assert inbound_sender_verified(message(FORGED), SENDER, esp="Brevo") is False
    failed = "Authentication-Results: mx.relay.example; dmarc=fail header.from=band.example\n"
    spoofed_below = "Authentication-Results: mx.relay.example; dmarc=pass header.from=band.example\n"
    assert inbound_sender_verified(message(failed + spoofed_below), SENDER, esp="Brevo") is False
    settings.MAIL_INBOUND_AUTHSERV_ID = ""
    assert inbound_sender_verified(message(own), SENDER, esp="Brevo") is False
