"""Defects out to the team's tracker: failed UAT marks and automated results without a defect ID."""
