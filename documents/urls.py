"""Every route of the documents app: contracts, invoices, day sheets and exports."""

from django.urls import path

from .views import daysheets as daysheets
from .views import exports, paper

app_name = "documents"

urlpatterns = [
    # The booking page's paper card
    path("bookings/<uuid:uid>/paper/", paper.booking_paper, name="booking_paper"),
    # Contracts: a booking's contract, signing, the PDFs, the verification page, a party's template
    # Invoices, receipts and credit notes: a booking's, the "Invoices" page, a PDF, legal details
    # Day sheets: a gig's page and PDF, advancing its items
    path("bookings/<uuid:uid>/day-sheet/", daysheets.day_sheet, name="day_sheet"),
    path("bookings/<uuid:uid>/day-sheet.pdf", daysheets.day_sheet_pdf, name="day_sheet_pdf"),
    path("bookings/<uuid:uid>/day-sheet/edit/", daysheets.day_sheet_edit, name="day_sheet_edit"),
    path("bookings/<uuid:uid>/day-sheet/advance/", daysheets.day_sheet_advance, name="day_sheet_advance"),
    # Exports: CSV per role with the page's filters, a band's month of availability as a PDF
    path("exports/bookings.csv", exports.bookings_csv, name="export_bookings"),
    path("exports/paid.csv", exports.paid_csv, name="export_paid"),
    path("exports/bands/<slug:slug>/gigs.csv", exports.band_gigs_csv, name="export_band_gigs"),
    path("exports/bands/<slug:slug>/payments.csv", exports.band_payments_csv, name="export_band_payments"),
    path("exports/bands/<slug:slug>/ledger.csv", exports.band_ledger_csv, name="export_band_ledger"),
    path("exports/venues/<slug:slug>/slots.csv", exports.venue_slots_csv, name="export_venue_slots"),
    path("bands/<slug:slug>/availability.pdf", exports.band_availability_pdf, name="band_availability_pdf"),
    path("share/<slug:token>/availability.pdf", exports.share_availability_pdf, name="share_availability_pdf"),
]
