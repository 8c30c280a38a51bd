"""Root conftest of the demo QA project (the uatkit plugin itself loads through its pytest11 entry point)."""
