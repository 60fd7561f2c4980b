// The `leanfleet` command line: up (local cluster), check FILE.lean, eval DATASET.jsonl, status. Talks to the local
// cluster by default, or to --endpoint / LEANFLEET_ENDPOINT with --api-key / LEANFLEET_API_KEY.

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  // Where npm has no node-<os>-<cpu> package (macOS arm64, Windows) the system Node runs this: say so plainly
  // instead of failing later inside a dependency that needs Node 22.
  process.stderr.write(
    `leanfleet: Node >= 22.12 is required, this is ${process.version} (${process.execPath}); install Node 22 (https://nodejs.org, or nvm install 22)\n`,
  );
  process.exit(2);
}
// Relative paths are the user's, also under `npm run leanfleet` (which runs in the repository root).
const [{ userDirectory }, { fileURLToPath }] = await Promise.all([import("./user-cwd.js"), import("node:url")]);
const userDir = userDirectory(process.env, process.cwd(), fileURLToPath(new URL("..", import.meta.url)));
if (userDir) process.chdir(userDir);
// Imported after the version check: the program's dependencies do not load on older Node.
const [{ CommanderError }, { buildProgram }] = await Promise.all([import("commander"), import("./program.js")]);

const io = {
  out: (s: string) => void process.stdout.write(s + "\n"),
  err: (s: string) => void process.stderr.write(s + "\n"),
};
try {
  await buildProgram(io).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`leanfleet: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
