/**
 * The mutation scores in the committed incremental results of `npm run
 * mutate` (test/mutation/stryker-incremental.json), per file and overall:
 * killed and timed-out mutants over all that were tested or left uncovered
 * (Stryker's score over all code). `npx tsx test/mutation/scores.ts` prints
 * the README's table.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const RESULTS_FILE = fileURLToPath(new URL("./stryker-incremental.json", import.meta.url));

interface Report {
  files: Record<string, { source: string; mutants: { status: string }[] }>;
}

export function readResults(): Report {
  return JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Report;
}

export interface Score {
  file: string;
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  ignored: number;
  score: number;
}

function scoreOf(file: string, statuses: string[]): Score {
  const count = (status: string) => statuses.filter((s) => s === status).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  return {
    file,
    killed,
    survived,
    noCoverage,
    timeout,
    ignored: count("Ignored"),
    score: valid === 0 ? Number.NaN : (100 * (killed + timeout)) / valid,
  };
}

export function scores(report: Report = readResults()): { files: Score[]; total: Score } {
  const files = Object.entries(report.files)
    .map(([file, { mutants }]) =>
      scoreOf(
        file,
        mutants.map((m) => m.status),
      ),
    )
    .sort((a, b) => a.file.localeCompare(b.file));
  const all = Object.values(report.files).flatMap(({ mutants }) => mutants.map((m) => m.status));
  return { files, total: scoreOf("all", all) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, total } = scores();
  const row = (s: Score) =>
    `| ${s.file === "all" ? "**all**" : `\`${s.file}\``} | ${Number.isNaN(s.score) ? "no results" : `${s.score.toFixed(1)}%`} | ${s.killed + s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.ignored} |`;
  console.log("| file | score | killed | survived | not covered | marked equivalent |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const s of [...files, total]) console.log(row(s));
}
