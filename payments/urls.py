"""Every route of the payments app, mounted at /payments/."""

from django.urls import path

from .views import money, pay, settlement, treasury, webhook

app_name = "payments"

urlpatterns = [
    # A booking's money
    path("bookings/<uuid:uid>/", pay.booking_payments, name="booking"),
    path("bookings/<uuid:uid>/summary/", pay.booking_summary, name="summary"),
    path("bookings/<uuid:uid>/setup/", pay.setup, name="setup"),
    path("bookings/<uuid:uid>/pay/", pay.pay, name="pay"),
    path("bookings/<uuid:uid>/outside/", pay.record_outside, name="outside"),
    path("bookings/<uuid:uid>/cancel/", pay.cancel, name="cancel"),
    path("<uuid:uid>/", pay.payment_detail, name="payment"),
    path("<uuid:uid>/check/", pay.check, name="check"),
    # A door deal's settlement after the gig: the page, the door side's figures, the band's answer
    path("bookings/<uuid:uid>/settlement/", settlement.settlement, name="settlement"),
    path("bookings/<uuid:uid>/settlement/enter/", settlement.settlement_enter, name="settlement_enter"),
    path("bookings/<uuid:uid>/settlement/approve/", settlement.settlement_approve, name="settlement_approve"),
    path("bookings/<uuid:uid>/settlement/question/", settlement.settlement_question, name="settlement_question"),
    path("bookings/<uuid:uid>/settlement/costs/", settlement.settlement_cost_add, name="settlement_cost_add"),
    path(
        "bookings/<uuid:uid>/settlement/costs/<int:cost_id>/remove/",
        settlement.settlement_cost_remove,
        name="settlement_cost_remove",
    ),
    path("bookings/<uuid:uid>/settlement/bonuses/", settlement.settlement_bonus_add, name="settlement_bonus_add"),
    path(
        "bookings/<uuid:uid>/settlement/bonuses/<int:bonus_id>/remove/",
        settlement.settlement_bonus_remove,
        name="settlement_bonus_remove",
    ),
    # An instant booking's checkout
    path("checkout/new/<slug:slug>/", pay.checkout_new, name="checkout_new"),
    path("checkout/<uuid:uid>/", pay.checkout_page, name="checkout"),
    path("checkout/<uuid:uid>/setup/", pay.checkout_setup, name="checkout_setup"),
    path("checkout/<uuid:uid>/pay/", pay.checkout_pay_view, name="checkout_pay"),
    # Money: a band's and one gig's (its members' split), a member's earnings, what a payer paid
    path("bands/<slug:slug>/", money.band_money, name="band_money"),
    path("bands/<slug:slug>/gigs/<uuid:uid>/", money.band_gig, name="band_gig"),
    path("me/", money.my_earnings, name="my_earnings"),
    path("paid/", money.payer_payments, name="paid"),
    # The treasurer's year: members' statements, payouts to members, the band's yearly totals
    path("bands/<slug:slug>/statements/", treasury.band_statements, name="band_statements"),
    path("bands/<slug:slug>/statements/payouts/new/", treasury.member_payout_new, name="member_payout_new"),
    path(
        "bands/<slug:slug>/statements/payouts/<int:pk>/reverse/",
        treasury.member_payout_undo,
        name="member_payout_reverse",
    ),
    path("bands/<slug:slug>/year/", treasury.band_year_summary, name="band_year"),
    # Stripe
    path("stripe/webhook/", webhook.stripe_webhook, name="stripe_webhook"),
]
