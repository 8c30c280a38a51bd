"""Root conftest of the QA project: shared fixtures go here or in fixtures/."""
