"""Traceability: the matrix of requirements, cases, levels and UAT marks, and the sign-off verdict."""
