/**
 * The committed mutation results (`npm run mutate`) must belong to the
 * current sources: CI does not run Stryker, so a change to a core module must
 * come with refreshed results, which an incremental run makes quickly.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readResults } from "./mutation/scores.js";

/** The modules `npm run mutate` mutates (stryker.config.json). */
const core = (JSON.parse(readFileSync("stryker.config.json", "utf8")) as { mutate: string[] }).mutate;

describe("the committed mutation results", () => {
  const results = readResults();

  it("hold only core modules, each as it is now (else: run npm run mutate and commit its results)", () => {
    const files = Object.keys(results.files);
    expect(
      files.filter((file) => !core.includes(file)),
      "results for files that are not in stryker.config.json's mutate list",
    ).toEqual([]);
    const stale = files.filter((file) => results.files[file]!.source !== readFileSync(file, "utf8"));
    expect(stale, `changed since the last mutation run: ${stale.join(", ")}. Run npm run mutate.`).toEqual([]);
  });
});
