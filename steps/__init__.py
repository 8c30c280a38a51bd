"""Step definitions of the demo QA project, one module per area, written once against the level driver."""
