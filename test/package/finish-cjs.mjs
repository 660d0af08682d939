// Completes the CommonJS build: marks dist/cjs as CommonJS and gives it the
// type declarations of the ESM build (the same API; TypeScript reads them as
// CommonJS because of the package.json beside them).
import { cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
for (const file of readdirSync("dist/esm", { recursive: true })) {
  if (file.endsWith(".d.ts") || file.endsWith(".d.ts.map")) cpSync(join("dist/esm", file), join("dist/cjs", file));
}
