"""Bind every generated feature to pytest; the step definitions are in conftest.py beside this file."""

from pytest_bdd import scenarios

scenarios("../features")
