/**
 * The committed mutation results (`npm run mutate`) must belong to the
 * current sources: CI does not run Stryker, so a change to a core module must
 * come with refreshed results, which an incremental run makes quickly.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readResults, scores } from "./mutation/scores.js";

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

  it("cover every core module (else: run npm run mutate and commit its results)", () => {
    const missing = core.filter((file) => !(file in results.files));
    expect(missing, `no mutation results for: ${missing.join(", ")}. Run npm run mutate.`).toEqual([]);
  });

  it("reach the target: 85% or more for every core module, 90% or more overall", () => {
    const { files, total } = scores(results);
    const below = files.filter((file) => !(file.score >= 85)).map((file) => `${file.file} ${file.score.toFixed(1)}%`);
    expect(below, "core modules under 85%: kill their survivors (npx tsx test/mutation/survivors.ts)").toEqual([]);
    expect(total.score, "the overall mutation score").toBeGreaterThanOrEqual(90);
  });
});
