// Runs a command for a test and makes sure nothing of it outlives the test
// process: `node process-guardian.mjs <command> [args...]` starts the command
// in a process group of its own, passes its output through, and kills the
// whole group (then deletes the paths listed, as JSON, in
// GUARDIAN_REMOVE_PATHS) as soon as its stdin closes - when the test stops
// it, exits, is interrupted (Ctrl-C) or is killed outright - or on SIGINT /
// SIGTERM of its own. A server's CLI often starts the server as a child of
// its own, which killing the CLI alone would leave running.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";

const [command, ...args] = process.argv.slice(2);
const remove = JSON.parse(process.env.GUARDIAN_REMOVE_PATHS ?? "[]");
const child = spawn(command, args, { detached: true, stdio: ["ignore", "inherit", "inherit"] });

let done = false;
function finish(code) {
  if (done) return;
  done = true;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
  for (const path of remove) rmSync(path, { recursive: true, force: true });
  process.exit(code);
}
child.once("exit", (code) => finish(code ?? 1));
child.once("error", () => finish(1));
process.stdin.on("end", () => finish(0));
process.stdin.on("close", () => finish(0));
process.stdin.resume();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => finish(0));
