"""Every route of the documents app: contracts, invoices, day sheets and exports."""

from django.urls import path

from .views import contracts, daysheets, exports, guestlists, invoices, legal, paper, settlements, tours, treasury

app_name = "documents"

urlpatterns = [
    # The booking page's paper card
    path("bookings/<uuid:uid>/paper/", paper.booking_paper, name="booking_paper"),
    # Contracts: a booking's contract, signing, the PDFs, the verification page, a party's template
    path("bookings/<uuid:uid>/contract/", contracts.booking_contract, name="booking_contract"),
    path("contracts/verify/", contracts.contract_verify, name="contract_verify"),
    path("contracts/<uuid:uid>/", contracts.contract_detail, name="contract"),
    path("contracts/<uuid:uid>/sign/", contracts.contract_sign, name="contract_sign"),
    path("contracts/<uuid:uid>/contract.pdf", contracts.contract_pdf, name="contract_pdf"),
    path("contracts/<uuid:uid>/signed.pdf", contracts.contract_signed_pdf, name="contract_signed_pdf"),
    path("contracts/template/bands/<slug:slug>/", contracts.band_contract_template, name="contract_template_band"),
    path("contracts/template/venues/<slug:slug>/", contracts.venue_contract_template, name="contract_template_venue"),
    # Invoices, receipts and credit notes: a booking's, the "Invoices" page, a PDF, legal details
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<uuid:uid>.pdf", invoices.invoice_pdf_download, name="invoice_pdf"),
    path("legal/bands/<slug:slug>/", legal.band_legal, name="legal_band"),
    path("legal/venues/<slug:slug>/", legal.venue_legal, name="legal_venue"),
    path("legal/me/", legal.my_legal, name="legal_me"),
    # A door deal's settlement sheet and a venue's offer letter, as PDFs for the two sides
    path("bookings/<uuid:uid>/settlement.pdf", settlements.settlement_pdf, name="settlement_pdf"),
    path("bookings/<uuid:uid>/offer-letter.pdf", settlements.offer_letter_pdf, name="offer_letter_pdf"),
    # Day sheets: a gig's page and PDF, advancing its items
    path("bookings/<uuid:uid>/day-sheet/", daysheets.day_sheet, name="day_sheet"),
    path("bookings/<uuid:uid>/day-sheet.pdf", daysheets.day_sheet_pdf, name="day_sheet_pdf"),
    path("bookings/<uuid:uid>/day-sheet/edit/", daysheets.day_sheet_edit, name="day_sheet_edit"),
    path("bookings/<uuid:uid>/day-sheet/advance/", daysheets.day_sheet_advance, name="day_sheet_advance"),
    path(
        "bookings/<uuid:uid>/day-sheet/band-contact/", daysheets.day_sheet_band_contact, name="day_sheet_band_contact"
    ),
    path("bookings/<uuid:uid>/day-sheet/plan/", daysheets.day_sheet_plan, name="day_sheet_plan"),
    path("bookings/<uuid:uid>/day-sheet/comment/", daysheets.day_sheet_comment, name="day_sheet_comment"),
    # Guest lists: a show's list for both sides, adding and taking off, caps, the door's check-in, on paper
    path("bookings/<uuid:uid>/guest-list/", guestlists.guest_list, name="guest_list"),
    path("bookings/<uuid:uid>/guest-list/add/", guestlists.guest_add, name="guest_add"),
    path("bookings/<uuid:uid>/guest-list/<int:pk>/remove/", guestlists.guest_remove, name="guest_remove"),
    path("bookings/<uuid:uid>/guest-list/<int:pk>/check-in/", guestlists.guest_check_in_view, name="guest_check_in"),
    path("bookings/<uuid:uid>/guest-list/caps/", guestlists.guest_caps, name="guest_caps"),
    path("bookings/<uuid:uid>/guest-list/print/", guestlists.guest_list_print, name="guest_list_print"),
    path("bookings/<uuid:uid>/guest-list.pdf", guestlists.guest_list_pdf, name="guest_list_pdf"),
    # Exports: CSV per role with the page's filters, a band's month of availability as a PDF
    path("exports/bookings.csv", exports.bookings_csv, name="export_bookings"),
    path("exports/paid.csv", exports.paid_csv, name="export_paid"),
    path("exports/bands/<slug:slug>/gigs.csv", exports.band_gigs_csv, name="export_band_gigs"),
    path("exports/tours/<int:pk>/money.csv", exports.tour_money_csv, name="tour_money_csv"),
    path("tours/<int:pk>/book.pdf", tours.tour_book_pdf, name="tour_book_pdf"),
    path("exports/bands/<slug:slug>/payments.csv", exports.band_payments_csv, name="export_band_payments"),
    path("exports/bands/<slug:slug>/ledger.csv", exports.band_ledger_csv, name="export_band_ledger"),
    path("exports/bands/<slug:slug>/statements.csv", treasury.band_statements_csv, name="export_band_statements"),
    path("exports/bands/<slug:slug>/year.csv", treasury.band_year_csv, name="export_band_year"),
    path("bands/<slug:slug>/year.pdf", treasury.band_year_pdf, name="band_year_pdf"),
    path("exports/venues/<slug:slug>/slots.csv", exports.venue_slots_csv, name="export_venue_slots"),
    path("bands/<slug:slug>/availability.pdf", exports.band_availability_pdf, name="band_availability_pdf"),
    path("share/<slug:token>/availability.pdf", exports.share_availability_pdf, name="share_availability_pdf"),
]
