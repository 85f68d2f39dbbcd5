"""The documents app's Celery tasks: they take ids and call a service."""

from celery import shared_task


# ---- Invoices, receipts and credit notes
@shared_task
def paper_round_task() -> dict[str, int]:
    """Every minute: issue the invoices, receipts and credit notes still missing, queue unsent emails."""
    from .services.invoices import paper_round

    return paper_round()


@shared_task
def invoice_send_task(invoice_id: int) -> bool:
    """Email one document with its PDF attached (at least once, one Message-ID)."""
    from .services.invoices import invoice_send

    return invoice_send(invoice_id=invoice_id)


# ---- Contracts
@shared_task
def contracts_round_task() -> int:
    """Every ten minutes: void the live contracts whose booking's terms, times or state changed."""
    from .services.contracts import contracts_round

    return contracts_round()
