import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    setupFiles: ["./test/setup.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    // The AWS SDK warns once per process that its 2027 releases need Node 22; this project runs on Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
