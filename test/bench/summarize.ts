/**
 * The README's Performance tables from several `npm run bench` reports:
 * each cell is the median over the reports (runs are ±10% apart on 2-core
 * machines, so one run proves little), and issue 11's durable targets are
 * checked on those medians.
 *
 *   npm run bench:summary -- bench-results/bench-A.json bench-results/bench-B.json ...
 */
import { readFileSync } from "node:fs";

interface Report {
  results: {
    case: string;
    group: string;
    unit: "µs" | "ms";
    medians: Record<string, number>;
    ratios: Record<string, number>;
  }[];
  durable: {
    case: string;
    calls: number;
    ioMs: number;
    medians: Record<string, number>;
    ratios: Record<string, number>;
  }[];
}

const files = process.argv.slice(2).filter((f) => f !== "--");
if (files.length === 0) {
  console.error("usage: npm run bench:summary -- <bench report>.json ...");
  process.exit(1);
}
const reports = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Report);

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const across = (pick: (r: Report) => number | undefined) =>
  median(reports.map(pick).filter((x): x is number => x !== undefined));
const time = (value: number, unit: "µs" | "ms") =>
  unit === "ms" || value >= 1000 ? `${(unit === "ms" ? value : value / 1000).toFixed(2)} ms` : `${value.toFixed(0)} µs`;

console.log(`medians over ${reports.length} runs\n`);
console.log("| case | floor | ToolNode | SafeToolNode | Safe/floor | Safe/ToolNode |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
const seen = new Set<string>();
for (const row of reports[0]!.results) {
  if (seen.has(row.case)) continue;
  seen.add(row.case);
  const of = (r: Report) => r.results.find((x) => x.case === row.case && x.group === row.group);
  const cell = (name: string) =>
    time(
      across((r) => of(r)?.medians[name]),
      row.unit,
    );
  const ratio = (name: string) => across((r) => of(r)?.ratios[name]).toFixed(2);
  console.log(
    `| ${row.case} | ${cell("floor")} | ${cell("ToolNode")} | ${cell("SafeToolNode")} | ${ratio("safeToFloor")} | ${ratio("safeToToolNode")} |`,
  );
}

console.log("\n| case | ToolNode | SafeToolNode | Safe/ToolNode | Send per call | safeToolsFanOut | fan-out/Send |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
const targets: string[] = [];
for (const row of reports[0]!.durable) {
  const of = (r: Report) => r.durable.find((x) => x.case === row.case);
  const ms = (name: string) => `${across((r) => of(r)?.medians[name]).toFixed(1)} ms`;
  const batch = across((r) => of(r)?.ratios.batch);
  const fanOut = across((r) => of(r)?.ratios.fanOut);
  const runs = (name: string) => reports.map((r) => of(r)?.ratios[name]?.toFixed(2)).join(", ");
  console.log(
    `| ${row.case} | ${ms("ToolNode")} | ${ms("SafeToolNode")} | ${batch.toFixed(2)} | ${ms("ToolNode, Send per call")} | ${ms("safeToolsFanOut")} | ${fanOut.toFixed(2)} |`,
  );
  const limit = row.ioMs === 0 ? 1.5 : row.calls >= 100 ? 1.15 : 1.05;
  targets.push(
    `${batch <= limit ? "met " : "MISS"} durable ${row.case}: SafeToolNode/ToolNode ${batch.toFixed(2)} ≤ ${limit} (runs: ${runs("batch")})`,
    `${fanOut <= 1 ? "met " : "MISS"} durable ${row.case}: fan-out/Send ${fanOut.toFixed(2)} ≤ 1.00 (runs: ${runs("fanOut")})`,
  );
}
for (const label of ["100 calls, 5 tools, 2 messages", "1000 calls, 5 tools, 2 messages"]) {
  const of = (r: Report) => r.results.find((x) => x.case === label && x.group === "calls");
  const toFloor = across((r) => of(r)?.ratios.safeToFloor);
  const withRuntime = across((r) => of(r)?.ratios.safeToFloorWithRuntime);
  targets.push(
    `${toFloor <= 1.1 ? "met " : "MISS"} direct ${label}: SafeToolNode/floor ${toFloor.toFixed(2)} ≤ 1.10 (floor + the per-call runtime: ${withRuntime.toFixed(2)})`,
  );
}
console.log(`\ntargets (on the medians):\n${targets.map((t) => `  ${t}`).join("\n")}`);
