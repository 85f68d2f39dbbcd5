from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bands.models import Band

from .colours import DEFAULT_ACCENT, DEFAULT_BACKGROUND, HEX

hex_colour = RegexValidator(
    HEX, _("Enter a colour as # and six hexadecimal digits, e.g. #2b2f77."), code="invalid_colour"
)


class EmbedStyle(models.Model):
    """A band's colours on its own website (the widget's accent and background). A band without a row
    gets our palette (colours.DEFAULT_*)."""

    band = models.OneToOneField(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="embed_style")
    accent = models.CharField(
        _("accent colour"),
        max_length=7,
        default=DEFAULT_ACCENT,
        validators=[hex_colour],
        help_text=_("The Book button's colour."),
    )
    background = models.CharField(
        _("background colour"),
        max_length=7,
        default=DEFAULT_BACKGROUND,
        validators=[hex_colour],
        help_text=_("Behind the widget in its light theme."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("website widget style")
        verbose_name_plural = _("website widget styles")

    def __str__(self) -> str:
        return str(self.band)
