#!/usr/bin/env node
// The `leanfleet` bin: runs cli/main.ts with tsx on the project's Node 22 (node_modules/.bin/node from the pinned
// node-<os>-<cpu> optional dependency) when present, else on the Node that runs this shim. Signals go to the child.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const localNode = join(root, "node_modules", ".bin", "node");
const node = existsSync(localNode) ? localNode : process.execPath;
const tsx = import.meta.resolve("tsx");
const child = spawn(
  node,
  ["--disable-warning=ExperimentalWarning", "--import", tsx, join(root, "cli", "main.ts"), ...process.argv.slice(2)],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
child.on("error", (err) => {
  process.stderr.write(`leanfleet: could not start ${node}: ${err.message}\n`);
  process.exit(2);
});
