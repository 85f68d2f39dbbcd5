"""What the admin's payment and ledger lists export (django-import-export, export only; decision 0037)."""

from import_export import fields, resources

from .models import LedgerEntry, Payment


class PaymentResource(resources.ModelResource):
    """A payment with its booking, amounts in minor units and their currency, and Stripe's reference."""

    booking = fields.Field(attribute="booking__uid", column_name="booking")
    payer = fields.Field(attribute="payer__email", column_name="payer")

    class Meta:
        model = Payment
        fields = (
            "uid",
            "booking",
            "purpose",
            "status",
            "method",
            "amount_minor",
            "refunded_minor",
            "platform_fee_minor",
            "currency",
            "payer",
            "intent_id",
            "reference",
            "created_at",
            "paid_at",
        )
        export_order = fields


class LedgerEntryResource(resources.ModelResource):
    """A ledger entry as the ledger keeps it (signed minor units), with what it names."""

    booking = fields.Field(attribute="booking__uid", column_name="booking")
    band = fields.Field(attribute="band__name", column_name="band")
    member = fields.Field(attribute="member__email", column_name="member")
    payment = fields.Field(attribute="payment__uid", column_name="payment")

    class Meta:
        model = LedgerEntry
        fields = (
            "id",
            "created_at",
            "kind",
            "amount_minor",
            "currency",
            "booking",
            "band",
            "member",
            "payment",
            "memo",
        )
        export_order = fields
