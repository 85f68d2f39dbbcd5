"""The pseudo-locale check itself: what it calls unwrapped, and what it lets through."""

from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from stageslot.tests.pseudo import PageData, pseudo_locale, unwrapped_text


def test_marked_words_come_back_wrapped_with_their_placeholders_working():
    with pseudo_locale():
        assert gettext("Genres") == "⟦Genres⟧"
        assert pgettext("month", "May") == "⟦May⟧"
        assert ngettext("%(n)s gig", "%(n)s gigs", 2) % {"n": 2} == "⟦2 gigs⟧"
        html = Template(
            '{% load i18n %}<p>{% translate "Bands" %} – '
            "{% blocktranslate with n=3 %}{{ n }} free{% endblocktranslate %}</p>"
        ).render(Context())
        assert html == "<p>⟦Bands⟧ – ⟦3 free⟧</p>"
        assert translation.get_language() == "en-xa"
    assert gettext("Genres") == "Genres"


def test_a_word_outside_the_brackets_is_named_with_its_element():
    found = unwrapped_text(
        '<main><h1 id="top">⟦Bands⟧</h1><p>Genres: ⟦Rock⟧</p><button aria-label="Close">×</button></main>'
    )
    assert [str(f) for f in found] == ["<p> 'Genres: ⟦Rock⟧'", "<button aria-label> 'Close'"]


def test_a_wrapped_sentence_may_hold_a_link():
    assert unwrapped_text('<p>⟦Please <a href="/x">sign up</a> first.⟧</p>') == []
    assert [f.text for f in unwrapped_text("<p>⟦Please⟧ <a>sign up</a></p>")] == ["sign up"]


def test_data_numbers_and_scripts_are_not_words_to_translate():
    html = (
        "<p>The Night Owls · 21:00–23:00 UTC · €1,500 · 12 km</p>"
        "<script>var label = 'Hello';</script><style>p::after{content:'x'}</style>"
        '<img alt="" src="/a.png"><input type="submit" value="⟦Save⟧">'
    )
    assert unwrapped_text(html, data={"The Night Owls"}) == []
    assert [f.text for f in unwrapped_text(html)] == ["The Night Owls · 21:00–23:00 UTC · €1,500 · 12 km"]


def test_data_filed_once_for_many_pages_is_found_as_the_plain_data_is():
    data = {"The Night Owls", "Owls", "Nordlys", "DK", "x", "The Night Owl Society", "Ber", "Berlin-Kreuzberg"}
    pages = [
        "<p>The Night Owls · 21:00 · Nordlys (DK)</p><p>Berlin-Kreuzberg</p>",
        "<p>The Night Owl Society meets Ber</p><p>Owls and more owls</p>",
        "<p>Berlin-Mitte, The Night</p>",
    ]
    filed = PageData(data)
    for html in pages:
        assert [str(f) for f in unwrapped_text(html, data=filed)] == [str(f) for f in unwrapped_text(html, data=data)]
        assert filed.on(html) == {value for value in data if len(value) > 1 and value in html}
    assert unwrapped_text(pages[0], data=filed) == []
    assert [f.text for f in unwrapped_text(pages[2], data=filed)] == ["Berlin-Mitte, The Night"]


def test_data_filed_takes_out_what_the_plain_values_do():
    """The same values, kept once for many texts: names, a two-letter one, one that begins as a text does but is not
    on the page, a letter alone (never taken out), more added with `|`."""
    html = "<p>The Night Owls · Lyon · QX · ⟦tonight⟧</p><p>Hall 9 at Stagehouse</p>"
    values = {"The Night Owls", "QX", "Lyon, France", "Lyon", "Hall 9", "x"}
    plain = [f.text for f in unwrapped_text(html, data=values)]
    assert plain == ["Hall 9 at Stagehouse"]
    assert [f.text for f in unwrapped_text(html, data=PageData(values))] == plain
    assert unwrapped_text(html, data=values | {"Stagehouse", "at"}) == []
    assert unwrapped_text(html, data=PageData(values) | {"Stagehouse", "at"}) == []
    assert [f.text for f in unwrapped_text(html, data=PageData({"Hall 9", "Lyon"}))] == [
        "The Night Owls · Lyon · QX · ⟦tonight⟧",
        "Hall 9 at Stagehouse",
    ]
