import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

/** Every name exported from src/index.ts (values and types). */
function publicNames(): string[] {
  const index = ts.createSourceFile(
    "index.ts",
    readFileSync(join(SRC, "index.ts"), "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const names: string[] = [];
  index.forEachChild((node) => {
    if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      for (const element of node.exportClause.elements) names.push(element.name.text);
    }
  });
  return names;
}

/** The TSDoc of each top-level declaration in src/, by name. */
function docsByName(): Map<string, string> {
  const docs = new Map<string, string>();
  for (const file of (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(SRC, file), "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    source.forEachChild((node) => {
      const name = (node as { name?: ts.Identifier }).name;
      if (!name || !ts.isIdentifier(name)) return;
      const comments = ts
        .getJSDocCommentsAndTags(node)
        .map((c) => c.getText(source))
        .join("\n");
      docs.set(name.text, (docs.get(name.text) ?? "") + comments);
    });
  }
  return docs;
}

describe("API documentation", () => {
  it("documents every public symbol with TSDoc and an example", () => {
    const docs = docsByName();
    const middleware = ["safeToolMiddleware", "isRetryableToolError", "SafeToolMiddlewareOptions"];
    const testing = ["ScriptedChatModel", "ScriptedChatModelFields"];
    const missing = [...publicNames(), ...middleware, ...testing].filter(
      (name) => !/@example/.test(docs.get(name) ?? ""),
    );
    expect(missing).toEqual([]);
  });

  it("builds the API reference (typedoc) with no warning and no error", () => {
    const run = spawnSync(
      process.execPath,
      [resolve(SRC, "../node_modules/typedoc/bin/typedoc"), "--emit", "none", "--treatWarningsAsErrors"],
      {
        cwd: resolve(SRC, ".."),
        encoding: "utf8",
      },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(output.split("\n").filter((line) => /\[(warning|error)\]/.test(line))).toEqual([]);
    expect(run.status).toBe(0);
  }, 60_000);
});
