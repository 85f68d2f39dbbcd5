"""Mail in and out (docs/decisions/0080): the headers of notification mail, its signed links and reply
addresses, the mail service's delivery events and inbound replies."""
