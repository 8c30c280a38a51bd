"""Other tools' test results (JUnit XML, Cucumber JSON, Allure) imported as evidence of a level."""
