import pytest
from django.core.management import call_command
from stageslot.tests.pseudo import pseudo_locale, unwrapped_text, database_words
from accounts.models import User
pytestmark = pytest.mark.django_db

PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/no/such/page/"]
SIGNED = ["/dashboard/", "/accounts/profile/", "/notifications/", "/notifications/settings/", "/accounts/tokens/", "/accounts/email/", "/accounts/password/change/"]

def test_try(client):
    call_command("seed_demo", force=True, quiet=True)
    data = database_words()
    out = []
    with pseudo_locale():
        for url in PAGES:
            r = client.get(url)
            out += [(url, r.status_code, str(f)) for f in unwrapped_text(r.content.decode(), data=data)]
        client.force_login(User.objects.get(email="mara@demo.stageslot.test"))
        for url in SIGNED:
            r = client.get(url, follow=True)
            out += [(url, r.status_code, str(f)) for f in unwrapped_text(r.content.decode(), data=data)]
    for row in out: print(*row)
