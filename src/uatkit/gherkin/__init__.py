"""Gherkin: dialect keywords, feature rendering, parsing and the generation plan."""
