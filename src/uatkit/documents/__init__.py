"""Documents for signature: the requirements specification (and later the acceptance certificate), as HTML,
xlsx and a PDF printed through Chromium."""
