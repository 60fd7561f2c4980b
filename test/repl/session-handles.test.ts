// State handles: hashing, the bounded cache and its chains, and on real REPL doubles: handles returned for envs and
// sorries, surviving a forced restart, moving to another server (shared cache or carried chain), replay failures.
import { afterEach, describe, expect, it } from "vitest";
import {
  AutoLeanServer,
  HANDLE_PATTERN,
  InvalidRequestError,
  SessionCache,
  UnknownHandleError,
  type HandleRecord,
  type LeanRequest,
  type ReplResponse,
} from "../../services/repl/index.js";
import {
  canonicalJson,
  handleFor,
  recordsFor,
  resolveHandles,
  rewriteResponse,
  statesOf,
} from "../../services/repl/server/session-handles.js";
import { closeAllAndExpectDead, PidTracker } from "./lean-server-support.js";
import { doubleConfig } from "../support/double.js";

const tracker = new PidTracker();
const servers: AutoLeanServer[] = [];

function auto(cache?: SessionCache, id = "repl-0"): AutoLeanServer {
  const s = new AutoLeanServer(
    doubleConfig({ flags: ["--no-transcripts"], killGraceMs: 300, defaultTimeoutMs: 15_000 }),
    {
      id,
      ...(cache ? { cache } : {}),
    },
  );
  s.on("restart", () => tracker.add(s.pid));
  servers.push(s);
  return s;
}

afterEach(() => closeAllAndExpectDead(servers, tracker));

const THEOREM = "theorem t (x : Nat) : x + 0 = x := by sorry";

describe("handle hashing", () => {
  it("is canonical: key order and incrementality do not matter; request and selector do", () => {
    const a = handleFor({ cmd: "#check 1", allTactics: true }, { kind: "env" });
    expect(a).toMatch(HANDLE_PATTERN);
    expect(a.startsWith("env_")).toBe(true);
    expect(handleFor({ allTactics: true, cmd: "#check 1", incrementality: true }, { kind: "env" })).toBe(a);
    expect(handleFor({ cmd: "#check 2", allTactics: true }, { kind: "env" })).not.toBe(a);
    const ps = handleFor({ cmd: "#check 1", allTactics: true }, { kind: "sorry", index: 0 });
    expect(ps.startsWith("ps_")).toBe(true);
    expect(handleFor({ cmd: "#check 1", allTactics: true }, { kind: "sorry", index: 1 })).not.toBe(ps);
    expect(canonicalJson({ b: [1, { d: 1, c: undefined, a: "x" }], a: null })).toBe(
      '{"a":null,"b":[1,{"a":"x","d":1}]}',
    );
  });

  it("names every state of an answer and rewrites its ids to handles", () => {
    const request: LeanRequest = { cmd: "example : True := by\n  sorry", allTactics: true };
    const response: ReplResponse = {
      kind: "command",
      value: {
        env: 3,
        sorries: [
          { goal: "⊢ True", proofState: 4 },
          { goal: "⊢ False", proofState: null },
        ],
        tactics: [
          {
            tactic: "sorry",
            proofState: 5,
            pos: { line: 2, column: 2 },
            endPos: { line: 2, column: 7 },
            goals: "⊢ True",
          },
        ],
      },
    };
    expect(statesOf(response).map((s) => [s.select, s.id])).toEqual([
      [{ kind: "env" }, 3],
      [{ kind: "sorry", index: 0 }, 4],
      [{ kind: "tactic", index: 0 }, 5],
    ]);
    const records = recordsFor(request, response);
    const rewritten = rewriteResponse(response, request);
    if (rewritten.kind !== "command") throw new Error("kind changed");
    expect(rewritten.value.env).toBe(records[0]!.handle);
    expect(rewritten.value.sorries?.[0]?.proofState).toBe(records[1]!.handle);
    expect(rewritten.value.sorries?.[1]?.proofState).toBeNull();
    expect(rewritten.value.tactics?.[0]?.proofState).toBe(records[2]!.handle);
    expect(response.value.env).toBe(3); // the original is not mutated
  });
});

describe("SessionCache", () => {
  const chainOf3 = (): HandleRecord[] => {
    const r1: LeanRequest = { cmd: "def a := 1" };
    const h1 = handleFor(r1, { kind: "env" });
    const r2: LeanRequest = { cmd: THEOREM, env: h1 };
    const h2 = handleFor(r2, { kind: "sorry", index: 0 });
    const r3: LeanRequest = { tactic: "simp", proofState: h2 };
    return [
      { handle: h1, request: r1, select: { kind: "env" } },
      { handle: h2, request: r2, select: { kind: "sorry", index: 0 } },
      { handle: handleFor(r3, { kind: "proofState" }), request: r3, select: { kind: "proofState" } },
    ];
  };

  it("exports a handle's chain ancestors first, and imports only records whose handle matches their content", () => {
    const chain = chainOf3();
    const cache = new SessionCache();
    cache.import(chain);
    expect(cache.chainOf(chain[2]!.handle)).toEqual(chain);
    expect(() => cache.chainOf("env_" + "0".repeat(32))).toThrow(UnknownHandleError);
    const forged = { ...chain[1]!, request: { cmd: "theorem evil : False := sorry", env: chain[0]!.handle } };
    expect(() => new SessionCache().import([forged])).toThrow(/does not match/);
    const malformed = {
      handle: handleFor({ cmd: 3 } as never, { kind: "env" }),
      request: { cmd: 3 } as never,
      select: { kind: "env" },
    } as HandleRecord;
    expect(() => new SessionCache().import([malformed])).toThrow(InvalidRequestError);
    const raw = {
      handle: handleFor({ cmd: "x", env: 0 }, { kind: "env" }),
      request: { cmd: "x", env: 0 },
      select: { kind: "env" },
    } as HandleRecord;
    expect(() => new SessionCache().import([raw])).toThrow(/raw REPL ids/);
  });

  it("is bounded (LRU) and never evicts an ancestor before its descendants", () => {
    const cache = new SessionCache({ maxRecords: 3 });
    const chain = chainOf3();
    cache.add(chain);
    const other: HandleRecord = {
      handle: handleFor({ cmd: "#check 9" }, { kind: "env" }),
      request: { cmd: "#check 9" },
      select: { kind: "env" },
    };
    cache.add([other]);
    expect(cache.size).toBe(3);
    // the leaf went first; the surviving records still form complete chains
    expect(cache.has(chain[2]!.handle)).toBe(false);
    expect(cache.chainOf(chain[1]!.handle)).toEqual(chain.slice(0, 2));
    // using a record refreshes its ancestors too
    cache.get(chain[1]!.handle);
    cache.add([
      {
        handle: handleFor({ cmd: "#check 10" }, { kind: "env" }),
        request: { cmd: "#check 10" },
        select: { kind: "env" },
      },
    ]);
    expect(cache.has(other.handle)).toBe(false);
    expect(cache.chainOf(chain[1]!.handle)).toHaveLength(2);
  });

  it("resolveHandles replays missing parents recursively, once per request, parents first", async () => {
    const chain = chainOf3();
    const cache = new SessionCache();
    cache.import(chain);
    const sent: unknown[] = [];
    let env = 0;
    let ps = 0;
    const replay = async (r: object): Promise<ReplResponse> => {
      sent.push(r);
      if ("tactic" in r) return { kind: "proofStep", value: { proofState: ps++, goals: [] } };
      return { kind: "command", value: { env: env++, sorries: [{ goal: "⊢ x + 0 = x", proofState: ps++ }] } };
    };
    const ids = new Map<string, number>();
    const resolved = await resolveHandles({ tactic: "rfl", proofState: chain[2]!.handle }, ids, cache, replay);
    expect(sent).toEqual([{ cmd: "def a := 1" }, { cmd: THEOREM, env: 0 }, { tactic: "simp", proofState: 1 }]);
    expect(resolved).toEqual({ tactic: "rfl", proofState: 2 });
    // the sibling states of replayed requests were registered too: no second replay
    expect(ids.get(chain[1]!.handle)).toBe(1);
    await resolveHandles({ cmd: "#check a", env: chain[0]!.handle }, ids, cache, replay);
    expect(sent).toHaveLength(3);
  });
});

describe("handles on REPL doubles", () => {
  it("keep=true returns handles for the env and every sorry, usable in later requests", async () => {
    const s = auto();
    const made = await s.run({ cmd: THEOREM }, { keep: true });
    tracker.add(s.pid);
    expect(made.status).toBe("ok");
    if (made.response?.kind !== "command") throw new Error("expected a command answer");
    const envHandle = made.response.value.env as unknown as string;
    const psHandle = made.response.value.sorries?.[0]?.proofState as unknown as string;
    expect(envHandle).toMatch(/^env_[0-9a-f]{32}$/);
    expect(psHandle).toMatch(/^ps_[0-9a-f]{32}$/);
    expect(made.handles?.map((h) => h.handle)).toEqual([envHandle, psHandle]);
    expect(s.holds(psHandle)).toBe(true);
    const step = await s.run({ tactic: "rfl", proofState: psHandle });
    expect(step.status).toBe("ok");
    expect(step.response?.kind).toBe("proofStep");
    const next = await s.run({ cmd: "#check t", env: envHandle });
    expect(next.response?.kind).toBe("command");
    expect(next.response?.kind === "command" && next.response.value.messages?.[0]?.severity).not.toBe("error");
  });

  it("handles survive a forced restart: the chain is replayed on the new process", async () => {
    const s = auto();
    const a = await s.run({ cmd: "def double (n : Nat) := n + n" }, { keep: true });
    const envA = (a.response as unknown as { value: { env: string } }).value.env;
    const b = await s.run({ cmd: "theorem d (n : Nat) : double n = 2 * n := by sorry", env: envA }, { keep: true });
    const ps = (b.response as unknown as { value: { sorries: { proofState: string }[] } }).value.sorries[0]!.proofState;
    const before = await s.run({ tactic: "sorry", proofState: ps });
    const oldPid = s.pid;
    tracker.add(oldPid);
    await s.restart();
    expect(s.pid).not.toBe(oldPid);
    expect(s.holds(ps)).toBe(false);
    const after = await s.run({ tactic: "sorry", proofState: ps });
    expect(after.status).toBe("ok");
    expect(after.response?.kind).toBe("proofStep");
    expect((after.response as { value: { goals: string[] } }).value.goals).toEqual(
      (before.response as { value: { goals: string[] } }).value.goals,
    );
    expect(s.holds(ps)).toBe(true);
    expect(s.holds(envA)).toBe(true);
  });

  it("handles move to another server sharing the cache, and to one in another process via the chain", async () => {
    const cache = new SessionCache();
    const first = auto(cache, "repl-0");
    const made = await first.run({ cmd: THEOREM }, { keep: true });
    tracker.add(first.pid);
    const ps = made.handles!.find((h) => h.select.kind === "sorry")!.handle;

    const sibling = auto(cache, "repl-1");
    const onSibling = await sibling.run({ tactic: "rfl", proofState: ps });
    tracker.add(sibling.pid);
    expect(onSibling).toMatchObject({ status: "ok", replId: "repl-1" });
    expect(onSibling.response?.kind).toBe("proofStep");

    // "another container": its own cache; without the chain the handle is unknown, with it the handle is rebuilt
    const remote = auto(new SessionCache(), "remote");
    const unknown = await remote.run({ tactic: "rfl", proofState: ps });
    expect(unknown).toMatchObject({
      status: "rejected",
      error: { code: "unknown_handle", details: { handle: ps, field: "proofState" } },
    });
    const chain = JSON.parse(JSON.stringify(cache.chainOf(ps))) as HandleRecord[]; // as a job payload carries it
    const rebuilt = await remote.run({ tactic: "rfl", proofState: ps }, { chain });
    tracker.add(remote.pid);
    expect(rebuilt.status).toBe("ok");
    expect(rebuilt.response).toEqual(onSibling.response);
  });

  it("a chain whose replay fails is rejected with handle_replay_failed", async () => {
    const base: LeanRequest = { cmd: THEOREM };
    const ps = handleFor(base, { kind: "sorry", index: 0 });
    const badStep: LeanRequest = { tactic: "frobnicate", proofState: ps };
    const chain: HandleRecord[] = [
      { handle: ps, request: base, select: { kind: "sorry", index: 0 } },
      { handle: handleFor(badStep, { kind: "proofState" }), request: badStep, select: { kind: "proofState" } },
    ];
    const s = auto();
    const o = await s.run({ tactic: "rfl", proofState: chain[1]!.handle }, { chain });
    tracker.add(s.pid);
    expect(o).toMatchObject({ status: "rejected", error: { code: "handle_replay_failed" } });
    expect(o.error?.message).toContain("unknown tactic");
    // a selector the replayed answer lacks
    const missing: HandleRecord = {
      handle: handleFor(base, { kind: "sorry", index: 7 }),
      request: base,
      select: { kind: "sorry", index: 7 },
    };
    const o2 = await s.run({ tactic: "rfl", proofState: missing.handle }, { chain: [missing] });
    expect(o2).toMatchObject({ status: "rejected", error: { code: "handle_replay_failed" } });
    // the REPL itself is fine afterwards
    expect((await s.run({ cmd: "#check 1" })).status).toBe("ok");
  });

  it("refuses a handle in the wrong field (an env handle as a proof state)", async () => {
    const s = auto();
    const made = await s.run({ cmd: "def y := 0" }, { keep: true });
    tracker.add(s.pid);
    const env = made.handles![0]!.handle;
    const wrong = await s.run({ tactic: "rfl", proofState: env });
    expect(wrong).toMatchObject({
      status: "rejected",
      error: { code: "invalid_request", details: { field: "proofState" } },
    });
  });

  it("without keep, handles are resolved but the answer carries this REPL's raw ids", async () => {
    const s = auto();
    const made = await s.run({ cmd: "def z := 0" }, { keep: true });
    const env = made.handles![0]!.handle;
    const plain = await s.run({ cmd: "#check z", env });
    tracker.add(s.pid);
    expect(plain.handles).toBeUndefined();
    expect(typeof (plain.response as { value: { env: unknown } }).value.env).toBe("number");
  });
});
