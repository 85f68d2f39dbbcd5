"""How a person fills a city picker (places.forms.CityAutocompleteWidget) in a browser test.

Typing a name opens the list of cities under the field a moment later (places.js waits, then asks the
server), and on a phone the open list covers what comes below it: the next button or checkbox. A test that
fills the field and clicks on at once passes on a quick machine, where the click comes before the list, and
fails on a busy one, where the list comes first and takes the click. A person either picks a city from the
list or closes it; these helpers do the same, so no machine's speed decides what the test does. The root
conftest refuses `fill` on a city picker in a browser test and names these helpers.
"""

from playwright.sync_api import Locator, expect


def _type(field: Locator, text: str) -> Locator:
    """Type text into the picker's field, as keys (what was there before is cleared); the picker's root."""
    field.clear()
    field.press_sequentially(text)
    return field.locator("xpath=ancestor::*[@data-city-picker][1]")


def pick_city(field: Locator, text: str, label: str) -> None:
    """Type text and pick the city labelled label ("Berlin, Germany") from the list, as a person does."""
    root = _type(field, text)
    option = root.locator(f'[role="option"][data-label="{label}"]')
    option.click()
    expect(field).to_have_value(label)
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(root.locator("[data-city-id]")).not_to_have_value("")


def type_city(field: Locator, text: str) -> None:
    """Type a city's name and close the list with Escape, leaving the typed text to the server to match (what
    a form does without JavaScript, or a person who does not pick from the list)."""
    _type(field, text)
    field.press("Escape")
    expect(field).to_have_attribute("aria-expanded", "false")
    # Every key reached the field: nothing took the focus away while they were typed.
    expect(field).to_have_value(text)
