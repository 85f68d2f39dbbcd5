"""What a form or the API takes: text on one line, dates, zones, the horizon, amounts."""
