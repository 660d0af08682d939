/**
 * LangGraph's own server (`langgraphjs dev` from `@langchain/langgraph-cli`)
 * serving examples/deploy, for tests that drive it with the SDK client.
 *
 * The deploy app is its own npm package (LangGraph's server pins versions the
 * root cannot share), installed with `npm ci` in its folder; it depends on
 * this package through `file:../..` with `install-links`, so it holds a real
 * copy, not a link. The server runs from a temporary copy of the app (its
 * in-memory store persists to `.langgraph_api` in the app's folder, which
 * must not grow in the checkout) on a free loopback port, offline.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, statSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
export const DEPLOY_APP = join(ROOT, "examples/deploy");

/**
 * Installs the deploy app when it is not (or its lock file changed), and
 * compiles this checkout's source into its copy of the package, so that the
 * server runs the code under test and not the copy made at install time.
 */
export function prepareDeployApp(): void {
  const installed = join(DEPLOY_APP, "node_modules/.package-lock.json");
  const lock = join(DEPLOY_APP, "package-lock.json");
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: DEPLOY_APP, stdio: "pipe" });
  }
  const copy = join(DEPLOY_APP, "node_modules/safe-tool-node/dist/esm");
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", copy],
    {
      cwd: ROOT,
      stdio: "pipe",
    },
  );
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

export interface RunningServer {
  url: string;
  /** The server's temporary copy of the app, deleted when it stops. */
  dir: string;
  /** What the server printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

const GUARDIAN = join(import.meta.dirname, "process-guardian.mjs");

/**
 * Starts `langgraphjs dev` for the deploy app on 127.0.0.1, under the
 * process guardian (which kills the CLI and the server it starts, and deletes
 * the app's copy, when this process stops it or goes away in any way). `env`
 * is added to the server's environment, given the app copy's directory.
 */
export async function startLangGraphServer(
  env: (dir: string) => Record<string, string> = () => ({}),
  timeoutMs = 120_000,
): Promise<RunningServer> {
  const app = mkdtempSync(join(tmpdir(), "safe-tool-node-deploy-"));
  for (const entry of ["langgraph.json", "package.json", "src"])
    cpSync(join(DEPLOY_APP, entry), join(app, entry), { recursive: true });
  symlinkSync(join(DEPLOY_APP, "node_modules"), join(app, "node_modules"));
  const port = await freePort();
  const cli = join(DEPLOY_APP, "node_modules/.bin/langgraphjs");
  const args = ["dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", String(port)];
  const child = spawn(process.execPath, [GUARDIAN, cli, ...args, "--config", join(app, "langgraph.json")], {
    cwd: app,
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      LANGSMITH_TRACING: "false",
      LANGGRAPH_CLI_NO_ANALYTICS: "1",
      BROWSER: "none",
      GUARDIAN_REMOVE_PATHS: JSON.stringify([app]),
      ...env(app),
    },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    child.stdin.end();
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`langgraphjs dev exited before serving:\n${output}`);
    }
    const ok = await fetch(`${url}/ok`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, dir: app, output: () => output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`langgraphjs dev did not answer on ${url} in ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
