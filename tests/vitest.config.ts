import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "..");
const alias = { "~": path.join(root, "app") };

// In CI each run also writes a JSON report, which .ci/run adds up.
const reportDir = process.env.TEST_REPORT_DIR;
const reporters = reportDir
  ? ["default", ["json", { outputFile: path.join(reportDir, `${process.env.TEST_REPORT_NAME ?? "vitest-pglite"}.json`) }] as const]
  : ["default"];

export default defineConfig({
  root,
  resolve: { alias },
  test: {
    reporters: reporters as never,
    env: {
      NODE_ENV: "test",
      // Never the development database: integration tests pin their own in setup-integration.ts.
      DATABASE_URL: "pglite:memory://",
      // Files the app writes go to a scratch folder, never the development data/.
      UPLOADS_DIR: path.join(root, "tests/.tmp/uploads"),
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["app/**/*.test.{ts,tsx}"],
          setupFiles: ["tests/support/setup-common.ts"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["tests/support/setup-common.ts", "tests/support/setup-integration.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
