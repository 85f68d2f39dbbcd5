"""What leaves the site by HTTP: the guarded outbound session, Web Push."""
