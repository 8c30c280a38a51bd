"""Allure: the mapping of cases onto Allure labels and links, UAT results, the merged report."""
