import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
let project: string;

afterAll(() => project && rmSync(project, { recursive: true, force: true }));

/**
 * Packs the package with `npm pack`, unpacks the tarball into a fresh
 * project's node_modules as npm would install it (the peer dependencies are
 * linked from this checkout, offline), and imports it from there.
 */
beforeAll(() => {
  if (!existsSync(join(ROOT, "dist/cjs/index.js")) || !existsSync(join(ROOT, "dist/esm/index.js"))) {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  }
  project = mkdtempSync(join(tmpdir(), "safe-tool-node-pack-"));
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", project], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .at(-1)!;
  const target = join(project, "node_modules", "safe-tool-node");
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", join(project, packed), "-C", target, "--strip-components=1"]);
  mkdirSync(join(project, "node_modules", "@langchain"), { recursive: true });
  for (const peer of ["core", "langgraph"])
    symlinkSync(join(ROOT, "node_modules/@langchain", peer), join(project, "node_modules/@langchain", peer));
  symlinkSync(join(ROOT, "node_modules/langchain"), join(project, "node_modules/langchain")); // the optional peer of ./middleware
  // The package's own dependencies, as npm would install them beside it.
  const { dependencies = {} } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const name of Object.keys(dependencies)) {
    mkdirSync(join(project, "node_modules", name, ".."), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), join(project, "node_modules", name));
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
}, 120_000);

const USE = `
  const { AIMessage } = $load("@langchain/core/messages");
  const { tool } = $load("@langchain/core/tools");
  const api = $load("safe-tool-node");
  const echo = tool(async (input) => "echo " + input.q, { name: "echo", description: "Echo.", schema: { type: "object", properties: { q: { type: "string" } } } });
  const node = new api.SafeToolNode([echo]);
  const ai = new AIMessage({ id: "a", content: "", tool_calls: [{ id: "c1", name: "echo", args: { q: "hi" } }, { id: "c2", name: "nope", args: {} }] });
  node.invoke({ messages: [ai] }).then((out) => {
    console.log(JSON.stringify({ exports: Object.keys(api).sort(), results: out.messages.map((m) => [m.tool_call_id, m.status, m.content]) }));
  });
`;

function run(code: string, asModule: boolean): { exports: string[]; results: string[][] } {
  const args = asModule ? ["--input-type=module", "-e", code] : ["-e", code];
  return JSON.parse(
    execFileSync(process.execPath, args, { cwd: project, encoding: "utf8" }).trim().split("\n").at(-1)!,
  );
}

describe("the packed package", () => {
  it.each([
    ["require", `console.log(JSON.stringify(Object.keys(require("safe-tool-node/middleware")).sort()))`, false],
    ["import", `console.log(JSON.stringify(Object.keys(await import("safe-tool-node/middleware")).sort()))`, true],
  ])("exposes safe-tool-node/middleware through %s", (_label, code, asModule) => {
    const out = execFileSync(process.execPath, asModule ? ["--input-type=module", "-e", code] : ["-e", code], {
      cwd: project,
      encoding: "utf8",
    });
    expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual(["isRetryableToolError", "safeToolMiddleware"]);
  });

  it.each([
    ["require", `console.log(JSON.stringify(Object.keys(require("safe-tool-node/testing")).sort()))`, false],
    ["import", `console.log(JSON.stringify(Object.keys(await import("safe-tool-node/testing")).sort()))`, true],
  ])("exposes safe-tool-node/testing through %s", (_label, code, asModule) => {
    const out = execFileSync(process.execPath, asModule ? ["--input-type=module", "-e", code] : ["-e", code], {
      cwd: project,
      encoding: "utf8",
    });
    expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual(["ScriptedChatModel"]);
  });

  it("ships only the build, the READMEs and package.json", () => {
    const files = readdirSync(join(project, "node_modules/safe-tool-node")).sort();
    expect(files).toEqual(["README.md", "README.zh-CN.md", "dist", "package.json"]);
    expect(readdirSync(join(project, "node_modules/safe-tool-node/dist")).sort()).toEqual(["cjs", "esm"]);
  });

  it("ships source maps that carry their sources (src/ is not in the tarball)", () => {
    const dist = join(project, "node_modules/safe-tool-node/dist");
    const maps = ["esm", "cjs"].flatMap((format) =>
      (readdirSync(join(dist, format), { recursive: true }) as string[])
        .filter((f) => f.endsWith(".map"))
        .map((f) => join(dist, format, f)),
    );
    expect(maps.length).toBeGreaterThan(10);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(map, "utf8")) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(
        sourcesContent!.every((text) => typeof text === "string" && text.length > 0),
        map,
      ).toBe(true);
    }
  });

  it.each([
    ["require (CommonJS)", false],
    ["import (ESM)", true],
  ])("loads and works through %s", (_label, asModule) => {
    const code = asModule
      ? `const $mods = { "@langchain/core/messages": await import("@langchain/core/messages"), "@langchain/core/tools": await import("@langchain/core/tools"), "safe-tool-node": await import("safe-tool-node") }; const $load = (n) => $mods[n];` +
        USE
      : `const $load = require;` + USE;
    const { exports, results } = run(code, asModule);
    expect(exports).toContain("SafeToolNode");
    expect(exports).toContain("repairToolResults");
    expect(results).toEqual([
      ["c1", "success", "echo hi"],
      ["c2", "error", expect.stringMatching(/^Error: tool "nope" does not exist/)],
    ]);
  });
});
