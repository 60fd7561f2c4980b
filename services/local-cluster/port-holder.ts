// Who holds a TCP port: for the one-line answer to EADDRINUSE when the local cluster's API port is taken. Linux reads
// /proc/net/tcp{,6} for the listening socket's inode and /proc/<pid>/fd for its owner; elsewhere `lsof`, if present.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

/** A process listening on a port. */
export interface PortHolder {
  pid: number;
  /** Its command line, shortened. */
  command: string;
}

/** Resolves true when `host:port` can be bound now (the same bind the API process does). */
export function canListen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The processes listening on TCP `port` (any address); empty when unknown (another user's process, no lsof). */
export function findPortHolders(port: number): PortHolder[] {
  return process.platform === "linux" ? fromProc(port) : fromLsof(port);
}

/** The message for a taken port: who holds it, how to stop it, and a free port to use instead. */
export async function portInUseMessage(port: number, host = "127.0.0.1"): Promise<string> {
  const holders = findPortHolders(port);
  const who =
    holders.length > 0
      ? ` by ${holders.map((h) => `pid ${h.pid} (${h.command})`).join(", ")}; stop it (kill ${holders.map((h) => h.pid).join(" ")}) or`
      : " by another process;";
  let alternative = "";
  for (let p = port + 1; p < Math.min(port + 50, 65536); p++) {
    if (await canListen(p, host)) {
      alternative = ` e.g. --port ${p} (then point the CLI at it: --endpoint http://${host}:${p})`;
      break;
    }
  }
  return `--port ${port}: ${host}:${port} is already in use (EADDRINUSE)${who} start on another port with --port,${alternative || " e.g. --port 0 for any free one"}`;
}

function fromProc(port: number): PortHolder[] {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local "ADDR:PORT" in hex, f[3] state (0A = LISTEN), f[9] inode
      if (f.length < 10 || f[3] !== "0A") continue;
      if (parseInt(f[1]!.slice(f[1]!.lastIndexOf(":") + 1), 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of safeReaddir(`/proc/${entry}/fd`)) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        holders.push({ pid: Number(entry), command: commandOf(Number(entry)) });
        break;
      }
    }
  }
  return holders;
}

function fromLsof(port: number): PortHolder[] {
  try {
    const out = execFileSync("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"], {
      encoding: "utf8",
      timeout: 3000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const holders: PortHolder[] = [];
    for (const line of out.split("\n")) {
      if (line.startsWith("p")) holders.push({ pid: Number(line.slice(1)), command: "" });
      else if (line.startsWith("c") && holders.length > 0) holders[holders.length - 1]!.command = line.slice(1);
    }
    return holders;
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const text = argv.join(" ");
    return text.length > 120 ? text.slice(0, 117) + "..." : text;
  } catch {
    return "?";
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
