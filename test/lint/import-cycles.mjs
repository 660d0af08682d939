// Lint: no import cycles among the modules of src/, and the call model
// (src/calls/call.ts) imports nothing else from src/, so any stage may
// depend on it. Run by `npm run lint` and by test/layout.test.ts.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Each module of src/ (path relative to src/) and the src/ modules it imports, type-only imports included. */
export function importGraph() {
  const files = readdirSync(SRC, { recursive: true }).filter((f) => f.endsWith(".ts"));
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), "utf8");
    const deps = [...text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)\.js"/g)].map((m) =>
      normalize(join(dirname(file), `${m[1]}.ts`)),
    );
    graph.set(normalize(file), deps);
  }
  return graph;
}

/** Every import cycle, as "a.ts -> b.ts -> a.ts". */
export function importCycles(graph = importGraph()) {
  const state = new Map();
  const cycles = [];
  const visit = (node, path) => {
    if (state.get(node) === "open") return void cycles.push([...path.slice(path.indexOf(node)), node].join(" -> "));
    if (state.get(node) === "done") return;
    state.set(node, "open");
    for (const dep of graph.get(node) ?? []) visit(dep, [...path, node]);
    state.set(node, "done");
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === "") {
  const graph = importGraph();
  const problems = importCycles(graph).map((cycle) => `import cycle: ${cycle}`);
  const callDeps = graph.get(normalize("calls/call.ts")) ?? [];
  if (callDeps.length > 0) problems.push(`calls/call.ts must import nothing from src/, imports ${callDeps.join(", ")}`);
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log(`no import cycles among ${graph.size} modules of src/`);
}
