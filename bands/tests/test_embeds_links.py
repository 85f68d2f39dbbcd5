"""Share links turned into players (embeds.py) and website/social links (links.py)."""

import pytest
from django.core.exceptions import ValidationError

from bands.embeds import embed_from_url
from bands.links import check_link, link_clean

YT = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
BANDCAMP_CODE = (
    '<iframe style="border: 0; width: 100%; height: 120px;" '
    'src="https://bandcamp.com/EmbeddedPlayer/album=1234567890/size=large/bgcol=ffffff/linkcol=0687f5/'
    'tracklist=false/artwork=small/transparent=true/" seamless>'
    '<a href="https://nightshift.bandcamp.com/album/debut">Debut by Night Shift</a></iframe>'
)


@pytest.mark.parametrize(
    ("pasted", "provider", "embed_url", "height"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", YT, None),
        ("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s&list=PL123", "youtube", YT, None),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", YT, None),
        ("https://youtu.be/dQw4w9WgXcQ?si=share", "youtube", YT, None),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", YT, None),
        ("  https://www.youtube.com/live/dQw4w9WgXcQ  ", "youtube", YT, None),
        (
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=abc",
            "spotify",
            "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC",
            152,
        ),
        (
            "https://open.spotify.com/intl-de/album/4aawyAB9vmqN3uQ7FjRGTy",
            "spotify",
            "https://open.spotify.com/embed/album/4aawyAB9vmqN3uQ7FjRGTy",
            152,
        ),
        (
            "https://open.spotify.com/intl-pt-br/track/4uLU6hMCjMI75M1A2tKUQC",
            "spotify",
            "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC",
            152,
        ),
        (
            "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF",
            "spotify",
            "https://open.spotify.com/embed/artist/0OdUWJ0sBjDrqHygGUXeCF",
            152,
        ),
        (
            "https://soundcloud.com/night-shift/first-song/",
            "soundcloud",
            "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fnight-shift%2Ffirst-song"
            "&color=%232b2f77&visual=false",
            166,
        ),
        (
            "https://m.soundcloud.com/night-shift/sets/live-2024",
            "soundcloud",
            "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fnight-shift%2Fsets%2Flive-2024"
            "&color=%232b2f77&visual=false",
            166,
        ),
        (
            BANDCAMP_CODE,
            "bandcamp",
            "https://bandcamp.com/EmbeddedPlayer/album=1234567890/size=large/bgcol=ffffff/linkcol=2b2f77/"
            "tracklist=false/artwork=small/transparent=true/",
            120,
        ),
    ],
)
def test_share_links_become_players_we_build_ourselves(pasted, provider, embed_url, height):
    embed = embed_from_url(pasted)
    assert (embed.provider, embed.embed_url, embed.height) == (provider, embed_url, height)


@pytest.mark.parametrize(
    ("pasted", "code", "message"),
    [
        ("https://vimeo.com/76979871", "unknown_host", "We can embed music and video from Spotify, SoundCloud"),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", "unknown_host", "Paste a share link from one"),
        ("https://notyoutube.com/watch?v=dQw4w9WgXcQ", "unknown_host", "Spotify, SoundCloud, Bandcamp and YouTube"),
        ("javascript:alert(document.cookie)", "bad_scheme", "Paste a full link starting with https://"),
        ("data:text/html,<script>alert(1)</script>", "bad_scheme", "Paste a full link starting with https://"),
        ("open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "bad_scheme", "Paste a full link starting with https://"),
        (
            "https://nightshift.bandcamp.com/album/debut",
            "bandcamp_needs_embed",
            "Bandcamp needs its embed code: on the album page choose Share / Embed",
        ),
        (
            '<iframe src="https://evil.example/EmbeddedPlayer/album=1/?bandcamp.com"></iframe>',
            "bad_link",
            "That Bandcamp embed code is not one we recognise.",
        ),
        ("https://www.youtube.com/watch?v=short", "bad_link", "That YouTube link does not point to a video."),
        ("https://www.youtube.com/@nightshift", "bad_link", "That YouTube link does not point to a video."),
        ("https://open.spotify.com/user/someone", "bad_link", "That Spotify link does not point to a track"),
        ("https://soundcloud.com/", "bad_link", "That SoundCloud link does not point to a track"),
    ],
)
def test_anything_else_is_refused_with_its_message(pasted, code, message):
    with pytest.raises(ValidationError) as caught:
        embed_from_url(pasted)
    assert caught.value.code == code
    assert message in caught.value.messages[0]


def test_a_player_address_never_carries_what_was_typed():
    embed = embed_from_url('https://www.youtube.com/watch?v=dQw4w9WgXcQ&"><script>alert(1)</script>')
    assert embed.embed_url == YT


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("website", "https://nightshift.example"),
        ("website", "http://nightshift.example/about"),
        ("instagram", "https://www.instagram.com/nightshift/"),
        ("facebook", "https://fb.com/nightshift"),
        ("tiktok", "https://www.tiktok.com/@nightshift"),
        ("youtube", "https://youtu.be/dQw4w9WgXcQ"),
        ("youtube", "https://www.youtube.com/@nightshift"),
        ("spotify", "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF"),
        ("bandcamp", "https://nightshift.bandcamp.com"),
        ("soundcloud", "https://soundcloud.com/night-shift"),
    ],
)
def test_links_on_their_own_site_are_accepted(kind, url):
    check_link(kind, url)


@pytest.mark.parametrize(
    ("kind", "url", "code", "message"),
    [
        ("website", "javascript:alert(1)", "bad_scheme", "Enter a full web address starting with https://"),
        ("website", "JAVASCRIPT:alert(1)", "bad_scheme", "Enter a full web address starting with https://"),
        ("website", "mailto:band@example.com", "bad_scheme", "Enter a full web address starting with https://"),
        ("instagram", "//instagram.com/x", "bad_scheme", "Enter a full web address starting with https://"),
        ("instagram", "https://evil.example/instagram.com", "wrong_site", "it should be on instagram.com"),
        ("instagram", "https://instagram.com.evil.example/x", "wrong_site", "not look like an Instagram link"),
        ("spotify", "https://notspotify.com/artist/x", "wrong_site", "it should be on spotify.com"),
        ("tiktok", "https://www.youtube.com/@x", "wrong_site", "This does not look like a TikTok link"),
    ],
)
def test_bad_links_are_refused_with_a_message(kind, url, code, message):
    with pytest.raises(ValidationError) as caught:
        check_link(kind, url)
    assert caught.value.code == code
    assert message in caught.value.messages[0]


def test_a_bandcamp_embed_keeps_the_albums_own_page_as_its_original():
    assert embed_from_url(BANDCAMP_CODE).source_url.startswith("https://")
    code = (
        '<iframe src="https://bandcamp.com/EmbeddedPlayer/album=1234567890/size=large/"></iframe>'
        '<a href="https://nightshift.bandcamp.com/album/first-light">First Light by Night Shift</a>'
    )
    assert embed_from_url(code).source_url == "https://nightshift.bandcamp.com/album/first-light"


@pytest.mark.django_db
def test_each_player_on_the_press_kit_has_a_plain_link_to_its_original(client):
    import re

    from bands.tests.factories import BandEmbedFactory, BandFactory

    band = BandFactory(status="approved")
    BandEmbedFactory(band=band, title="Live at the Lido")
    BandEmbedFactory(
        band=band,
        provider="spotify",
        source_url="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        embed_url="https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC",
        title="",
    )
    html = client.get(f"/bands/{band.slug}/").content.decode()
    players = re.findall(r'<div class="embed embed--\w+">.*?</div>', html, flags=re.S)
    assert len(players) == 2
    youtube = next(p for p in players if "youtube" in p)
    assert youtube.index("</iframe>") < youtube.index('href="https://youtu.be/dQw4w9WgXcQ"')
    assert "Open on YouTube: Live at the Lido" in youtube
    spotify = next(p for p in players if "spotify" in p)
    assert 'href="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"' in spotify and "Open on Spotify" in spotify


# ---- What people paste into a link field --------------------------------------------------------

# (typed, stored): with or without the scheme, the way browsers and apps copy addresses.
GOOD_LINKS = [
    ("example.com/band", "https://example.com/band"),
    ("www.instagram.com/x", "https://www.instagram.com/x"),
    ("  https://nightshift.example/about  ", "https://nightshift.example/about"),
    ("http://nightshift.example", "http://nightshift.example"),
    ("HTTPS://WWW.Example.COM/Band?x=1#top", "https://www.example.com/Band?x=1#top"),
    ("//example.com/band", "https://example.com/band"),
    ("example.com:8080/band", "https://example.com:8080/band"),
    ("https://bücher.de/band", "https://bücher.de/band"),
    ("https://example.com/search?q=a%20b&x=%22y%22", "https://example.com/search?q=a%20b&x=%22y%22"),
]

# (typed, the start of its message): junk that passed as https://… or answered 500.
BAD_LINKS = [
    ("x[y", "This is not a web address."),
    ("https://x[y", "This is not a web address."),
    ("https://[zz]/", "This is not a web address."),
    ('"><script>', "A web address has no spaces, quotes or angle brackets in it."),
    ("https://example.com/<b>", "A web address has no spaces, quotes or angle brackets in it."),
    ("https://exa mple.com", "A web address has no spaces, quotes or angle brackets in it."),
    ("https://ex'ample.com", "A web address has no spaces, quotes or angle brackets in it."),
    ("javascript:alert(1)", "Enter a full web address starting with https://"),
    ("ftp://example.com", "Enter a full web address starting with https://"),
    ("localhost", "This address only works on your own computer or network"),
    ("https://localhost:8000/x", "This address only works on your own computer or network"),
    ("https://printer.local/", "This address only works on your own computer or network"),
    ("http://10.0.0.1/", "Enter the site's name, not its IP address"),
    ("http://[::1]/", "Enter the site's name, not its IP address"),
    ("https://foo", "This is not a web address."),
    ("https://example.com:99999/", "This is not a web address."),
    ("https://user:secret@example.com/", "Leave out the name and password"),
    ("https://" + "a" * 64 + ".com", "This is not a web address."),
    ("example.com/" + "x" * 300, "A link can be at most 300 characters long"),
]


@pytest.mark.parametrize(("typed", "stored"), GOOD_LINKS)
def test_what_people_paste_is_kept_with_https_added_where_missing(typed, stored):
    assert link_clean("website", typed) == stored
    check_link("website", stored)


@pytest.mark.parametrize(("typed", "message"), BAD_LINKS)
def test_junk_and_addresses_no_visitor_can_open_are_refused_with_a_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        link_clean("website", typed)
    assert caught.value.messages[0].startswith(message)


@pytest.mark.parametrize("url", ["https://x[y", "http://[::1", "https://[zz]/", "https://example.com:x/"])
def test_the_model_validator_refuses_what_the_parser_chokes_on_without_a_crash(url):
    with pytest.raises(ValidationError):
        check_link("website", url)
    with pytest.raises(ValidationError):
        check_link("instagram", url)


@pytest.mark.parametrize(
    "pasted", ["https://x[y", "https://www.youtube.com[/watch?v=dQw4w9WgXcQ", "https://open.spotify.com:x/"]
)
def test_a_share_link_the_parser_chokes_on_is_refused_with_a_message(pasted):
    with pytest.raises(ValidationError) as caught:
        embed_from_url(pasted)
    assert caught.value.code in {"bad_link", "bad_scheme"}
