/**
 * Lists the mutants that no test killed, from the committed incremental
 * results of `npm run mutate` (or from a report given as the first
 * argument), one line each: file and line, `S` (survived) or `NC` (no test
 * reaches it), the mutator, and the code before and after.
 *
 * `npx tsx test/mutation/survivors.ts [report.json] [part of a file name]`
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RESULTS_FILE } from "./scores.js";

interface Position {
  line: number;
  column: number;
}

interface Mutant {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: Position; end: Position };
}

/** The code a mutant replaced, on one line, shortened. */
function original(lines: readonly string[], { start, end }: Mutant["location"]): string {
  const text =
    start.line === end.line
      ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
      : lines[start.line - 1]!.slice(start.column - 1);
  return oneLine(text);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

export function survivors(
  report: { files: Record<string, { source: string; mutants: Mutant[] }> },
  only = "",
): string[] {
  const out: string[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    if (!file.includes(only)) continue;
    const lines = source.split("\n");
    const open = mutants
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .sort(
        (a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
      );
    for (const m of open) {
      const status = m.status === "Survived" ? "S" : "NC";
      out.push(
        `${file}:${m.location.start.line} ${status} ${m.mutatorName}: ${original(lines, m.location)} => ${oneLine(m.replacement ?? "")}`,
      );
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [first = RESULTS_FILE, second] = process.argv.slice(2);
  const [file, only] = first.endsWith(".json") ? [first, second] : [RESULTS_FILE, first];
  for (const line of survivors(JSON.parse(readFileSync(file, "utf8")), only)) console.log(line);
}
