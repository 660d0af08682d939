import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";

const WORKER = join(import.meta.dirname, "worker.ts");
const GUARDIAN = join(import.meta.dirname, "../helpers/process-guardian.mjs");

let root: string | undefined;
/**
 * The directory the crash runs keep their databases and logs in. A guardian
 * process deletes it when this process goes away in any way (Ctrl-C, a kill),
 * which the `finally` of each run would not see; each run also deletes its
 * own subdirectory when it ends.
 */
function crashRoot(): string {
  if (root) return root;
  root = mkdtempSync(join(tmpdir(), "safe-tool-node-crash-"));
  const guardian = spawn(process.execPath, [GUARDIAN, process.execPath, "-e", "setInterval(() => {}, 2 ** 30)"], {
    stdio: ["pipe", "ignore", "ignore"],
    env: { ...process.env, GUARDIAN_REMOVE_PATHS: JSON.stringify([root]) },
  });
  // Neither keeps this process alive; its exit closes the pipe, and the guardian cleans up.
  guardian.unref();
  (guardian.stdin as unknown as { unref(): void }).unref();
  return root;
}

interface Run {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the worker; with `killOn`, SIGKILLs it as soon as that line appears on its stdout. */
function runWorker(args: string[], killOn?: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`worker timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killOn && stdout.includes(killOn)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (!killOn && code !== 0) reject(new Error(`worker failed (${code}): ${stderr}`));
      else resolve({ stdout, code, signal });
    });
  });
}

export interface CrashResult {
  /** How often each call started and finished, over both processes. */
  starts: number[];
  finishes: number[];
  history: BaseMessage[];
  killed: boolean;
}

/**
 * Starts a batch of `n` calls in a child process, SIGKILLs it once `k`
 * calls finished and their results are saved, then resumes the thread in a
 * second process and returns what ran and the final history.
 */
export async function crashAndResume(
  backend: "sqlite" | "postgres",
  target: string,
  n: number,
  k: number,
  options: { durable?: boolean; mode?: "batch" | "fanout" } = {},
): Promise<CrashResult> {
  const dir = mkdtempSync(join(crashRoot(), "run-"));
  const log = join(dir, "executions.log");
  writeFileSync(log, "");
  const thread = `crash-${backend}-${options.mode ?? "batch"}-${n}-${k}-${Date.now()}`;
  const common = [
    "--backend",
    backend,
    "--target",
    backend === "sqlite" ? join(dir, target) : target,
    "--thread",
    thread,
    "--n",
    String(n),
    "--k",
    String(k),
    "--log",
    log,
    "--durable",
    String(options.durable ?? "auto"),
    "--mode",
    options.mode ?? "batch",
  ];
  try {
    return await killAndResume(common, log, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function killAndResume(common: string[], log: string, n: number): Promise<CrashResult> {
  const first = await runWorker([...common, "--phase", "first"], "READY");
  const resumed = await runWorker([...common, "--phase", "resume"]);
  const line = resumed.stdout.split("\n").find((l) => l.startsWith("HISTORY "));
  if (!line) throw new Error(`no history from the resumed worker: ${resumed.stdout}`);
  const raw = JSON.parse(line.slice("HISTORY ".length)) as Record<string, any>[];
  const history = raw.map((m) => {
    if (m.type === "human") return new HumanMessage({ id: m.id, content: m.content });
    if (m.type === "ai") return new AIMessage({ id: m.id, content: m.content, tool_calls: m.tool_calls });
    return new ToolMessage({
      id: m.id,
      content: m.content,
      tool_call_id: m.tool_call_id,
      name: m.name,
      status: m.status,
    });
  });
  const lines = readFileSync(log, "utf8").split("\n");
  const tally = (word: string) => Array.from({ length: n }, (_, i) => lines.filter((l) => l === `${word} ${i}`).length);
  return { starts: tally("start"), finishes: tally("done"), history, killed: first.signal === "SIGKILL" };
}
