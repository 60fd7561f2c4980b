// Which revision a checkout really is: its git HEAD (loose or packed ref), or, where the image removed `.git`, the
// `.leanfleet-checkout.json` the image build wrote from that HEAD before removing it.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** File the worker image writes into each checkout before deleting its `.git`: `{"url": "...", "rev": "<40 hex>"}`. */
export const CHECKOUT_FILE = ".leanfleet-checkout.json";

/** Where a checkout came from and the commit it is at. */
export interface Checkout {
  /** The remote's URL; null when the checkout does not record one. */
  url: string | null;
  /** The commit (40 hex). */
  rev: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  const loose = read(join(gitDir, ref))?.trim();
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  for (const line of (read(join(gitDir, "packed-refs")) ?? "").split("\n")) {
    const [sha, name] = line.split(" ");
    if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return undefined;
}

function originUrl(gitDir: string): string | null {
  const config = read(join(gitDir, "config")) ?? "";
  const section = /\[remote "origin"\]([^[]*)/.exec(config)?.[1] ?? "";
  return /^\s*url\s*=\s*(\S+)/m.exec(section)?.[1] ?? null;
}

/**
 * The checkout at `dir`, or a sentence saying why it cannot be told (never a guess): `.git` (a directory, or a
 * `gitdir:` file of a worktree or submodule) first, then {@link CHECKOUT_FILE}.
 */
export function readCheckout(dir: string): Checkout | { missing: string } {
  let gitDir = join(dir, ".git");
  const pointer = read(gitDir);
  if (pointer !== undefined) {
    const target = /^gitdir:\s*(.+)$/m.exec(pointer)?.[1]?.trim();
    if (target) gitDir = target.startsWith("/") ? target : join(dir, target);
  }
  const head = read(join(gitDir, "HEAD"))?.trim();
  if (head !== undefined) {
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    const rev = ref ? resolveRef(gitDir, ref) : /^[0-9a-f]{40}$/.test(head) ? head : undefined;
    if (rev) return { url: originUrl(gitDir), rev };
    return {
      missing: `${join(gitDir, "HEAD")} names ${JSON.stringify(head)}, which resolves to no commit`,
    };
  }
  const recorded = read(join(dir, CHECKOUT_FILE));
  if (recorded !== undefined) {
    try {
      const o = JSON.parse(recorded) as { url?: unknown; rev?: unknown };
      if (typeof o.rev === "string" && /^[0-9a-f]{40}$/.test(o.rev))
        return {
          url: typeof o.url === "string" && o.url !== "" ? o.url : null,
          rev: o.rev,
        };
    } catch {
      // reported below
    }
    return { missing: `${join(dir, CHECKOUT_FILE)} holds no 40-hex "rev"` };
  }
  return {
    missing: `no git checkout at ${dir} (no .git, no ${CHECKOUT_FILE})`,
  };
}
