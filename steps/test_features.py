"""Bind every generated feature to pytest; the step definitions are the modules the root conftest loads."""

from pytest_bdd import scenarios

scenarios("../features")
