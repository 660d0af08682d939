import { defineConfig } from "vitest/config";

/**
 * The tests Stryker runs against each mutant (`npm run mutate`): every test
 * that runs the library in this process. Left out: the ones that run it in
 * another process (crash, the LangGraph server, the packed package), which
 * mutants in this process cannot reach, the API docs build, and the check
 * that the committed results match the sources (Stryker's copies differ). The fuzz
 * properties run fewer cases per mutant than in `npm test`. Test files share
 * one module graph (isolate: false): a run takes about 30 s instead of 100 s,
 * most of which went to loading the client SDKs again for every file.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/crash.test.ts",
      "test/deploy.test.ts",
      "test/docs.test.ts",
      "test/package.test.ts",
      "test/mutation-results.test.ts",
    ],
    testTimeout: 30_000,
    isolate: false,
    setupFiles: ["./test/setup.ts"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", FUZZ_RUNS: "30" },
  },
});
