// Allure Report 3 configuration of the demo project: results grouped by module, requirement and case.
import { defineConfig } from "allure";

export default defineConfig({
  name: "uatkit demo",
  output: "./reports/allure-report",
  plugins: {
    awesome: {
      options: {
        reportName: "uatkit demo: acceptance",
        groupBy: ["epic", "feature", "story"],
      },
    },
  },
});
