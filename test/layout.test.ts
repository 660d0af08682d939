import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error - a plain .mjs lint script, without type declarations
import { importCycles, importGraph } from "./lint/import-cycles.mjs";

const SRC = resolve(import.meta.dirname, "../src");

describe("source layout", () => {
  it("has no import cycles, and the call model imports nothing else from src/", () => {
    const graph = importGraph() as Map<string, string[]>;
    expect(graph.size).toBeGreaterThan(30);
    expect(importCycles(graph)).toEqual([]);
    expect(graph.get("calls/call.ts")).toEqual([]);
  });

  it("finds a cycle when there is one (the check is not blind)", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(importCycles(graph)).toEqual(["a.ts -> b.ts -> c.ts -> a.ts"]);
  });

  it("keeps index.ts to re-exports", () => {
    const statements = readFileSync(resolve(SRC, "index.ts"), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "")
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const statement of statements)
      expect(statement).toMatch(/^export (type )?\{[\s\S]*\} from "\.\/[\w/-]+\.js"$/);
  });

  it("reads no environment variable: what the node does depends on its options alone", () => {
    const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const readers = files.filter((f) => /process\.env|process\[["']env/.test(readFileSync(resolve(SRC, f), "utf8")));
    expect(readers).toEqual([]);
  });
});
