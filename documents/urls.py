"""Every route of the documents app: contracts, invoices, day sheets and exports."""

from django.urls import path

from .views import paper

app_name = "documents"

urlpatterns = [
    # The booking page's paper card
    path("bookings/<uuid:uid>/paper/", paper.booking_paper, name="booking_paper"),
    # Contracts: a booking's contract, signing, the PDFs, the verification page, a party's template
    # Invoices, receipts and credit notes: a booking's, the "Invoices" page, a PDF, legal details
    # Day sheets: a gig's page and PDF, advancing its items
    # Exports: CSV per role with the page's filters, a band's month of availability as a PDF
]
