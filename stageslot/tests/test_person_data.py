"""The person-data map knows every model that can hold a person (stageslot/privacy/person_data.py,
docs/decisions/0082): a new model with a key to the user, an email, an IP address, a file or free text is
either mapped, naming each such field, or listed as not personal with a reason."""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from stageslot.privacy.person_data import DELETE, ENTRIES, MAP, MEMBERSHIPS, NOT_PERSONAL, SERVICE

KEYED_KINDS = (models.EmailField, models.GenericIPAddressField, models.FileField, models.BinaryField)
TEXT_KINDS = (models.CharField, models.TextField, models.JSONField)


def _user_keys(model) -> list[str]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and f.is_relation and f.related_model is user_model
    ]


def _keyed_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, KEYED_KINDS)]


def _text_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, TEXT_KINDS) and not f.choices]


def _field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def test_every_model_that_can_hold_a_person_is_mapped_or_said_not_to():
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        if label in ENTRIES or label in NOT_PERSONAL:
            continue
        if _user_keys(model) or _keyed_fields(model) or _text_fields(model):
            missing.append(label)
    assert not missing, f"Map these in stageslot/privacy/person_data.py (or say why not personal): {missing}"


def test_a_mapped_model_names_each_key_to_the_person_and_each_email_ip_or_file():
    unnamed = []
    for entry in MAP:
        model = apps.get_model(entry.label)
        for name in _user_keys(model):
            if name not in entry.person and name not in entry.tied:
                unnamed.append(f"{entry.label}.{name} (a key to the user: add it to person or tied)")
        for name in _keyed_fields(model):
            if name not in entry.named_fields() and entry.erase not in (DELETE, SERVICE):
                unnamed.append(f"{entry.label}.{name}")
    assert not unnamed, unnamed


def _path_to_user(model, path: str) -> bool:
    """Whether `path` (`membership__user`) walks from `model` by keys to the user."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for name in path.split("__"):
        try:
            f = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if not (f.is_relation and f.concrete):
            return False
        model = f.related_model
    return model is user_model


def test_the_map_names_no_vanished_model_or_field():
    labels = {model._meta.label for model in apps.get_models()}
    assert set(NOT_PERSONAL) <= labels, set(NOT_PERSONAL) - labels
    assert all(reason for reason in NOT_PERSONAL.values())
    vanished = []
    for entry in MAP:
        assert entry.label in labels, entry.label
        model = apps.get_model(entry.label)
        known = _field_names(model)
        vanished += [
            f"{entry.label}.{name}"
            for name in entry.named_fields()
            if name not in known and not ("__" in name and name in entry.person and _path_to_user(model, name))
        ]
    assert not vanished, vanished


def _memberships() -> set:
    """The rows that make a person part of a band, venue or organisation: the through-models of every
    many-to-many to the user (a band's members, a venue's staff), and the map's memberships that are the
    person's own row (keyed to them, gone with them: an organisation's members)."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for model in apps.get_models():
        for f in model._meta.many_to_many:
            if f.related_model is user_model:
                found.add(f.remote_field.through)
    for entry in MAP:
        model = apps.get_model(entry.label)
        if entry.category == MEMBERSHIPS and entry.erase == DELETE and set(entry.person) & set(_user_keys(model)):
            found.add(model)
    return found


def test_every_model_keyed_to_a_persons_membership_is_mapped_through_it():
    """A member's sections (bands.MembershipSection) name no user, yet are the person's through their
    membership: every model with a key to a membership is in the map with a `person` path through that key
    to the user (or said not personal), so the export finds its rows and erasure takes them."""
    memberships = _memberships()
    assert {"bands.Membership", "venues.VenueStaff", "teams.OrgMember"} <= {m._meta.label for m in memberships}
    missing = []
    for model in apps.get_models():
        if model in memberships:
            continue
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.related_model in memberships):
                continue
            label = model._meta.label
            entry = ENTRIES.get(label)
            if label in NOT_PERSONAL:
                continue
            if entry is None:
                missing.append(f"{label}.{f.name}: not in the map")
            elif not any(p.startswith(f"{f.name}__") and _path_to_user(model, p) for p in entry.person):
                missing.append(f"{label}.{f.name}: no `person` path through it to the user")
    assert not missing, missing


def test_a_model_is_either_mapped_or_not_personal_never_both():
    assert not set(ENTRIES) & set(NOT_PERSONAL)
    assert len(ENTRIES) == len(MAP)


def test_services_and_holds_are_complete():
    for entry in MAP:
        assert (entry.erase == SERVICE) == bool(entry.service), entry.label
        assert bool(entry.hold) == bool(entry.hold_kind), entry.label
        if entry.hold_kind:
            assert entry.hold_kind in settings.STAGESLOT_LEGAL_HOLD_YEARS
