// ReplPool under the peers' policies of bench/scheduling (Kimina, round-robin) against real double processes:
// the pool runs any policy object it is given, with the header split and restarts that policy asks for.
import { describe, expect, it } from "vitest";
import { closePoolsAfterEach, doubleCfg, eventually, lastStats, notePids } from "../repl/pool-support.js";
import { trackedPool } from "./peer-pool-support.js";

closePoolsAfterEach();

describe("ReplPool peer policies (bench/scheduling)", () => {
  it("kimina: keys REPLs by header, restarts the least recently used one for a new header, no prefix reuse", async () => {
    const pool = trackedPool(doubleCfg(["--stats"]), { size: 1, policy: "kimina", prewarmHeader: "import Mathlib" });
    await pool.start();
    const [first] = notePids(pool);
    const same = await pool.run({ cmd: "import Mathlib\ntheorem a : 1 = 1 := by\n  sorry" });
    expect(same).toMatchObject({ status: "ok", rule: "header", reusedChars: "import Mathlib\n".length });
    // Positions are the caller's although only the body ran (on the header's environment).
    expect(same.response?.kind === "command" && same.response.value.sorries?.[0]?.pos).toEqual({ line: 3, column: 2 });
    const other = await pool.run({ cmd: "import Aesop\ntheorem b : 2 = 2 := rfl" });
    const [second] = notePids(pool);
    expect(other).toMatchObject({ status: "ok", rule: "evict" });
    expect(second).not.toBe(first);
    const again = await pool.run({ cmd: "import Aesop\ntheorem b : 2 = 2 := rfl" });
    expect(again.rule).toBe("header");
    const st = await eventually(
      () => lastStats(pool.servers[0]!.stderrTail(4096)),
      (x) => x !== null && x.elaboratedCommands >= 2,
    );
    expect(st).toMatchObject({ elaboratedCommands: 2, importsLoaded: 1 }); // the same body twice: no reuse
  });

  it("round-robin: rotates over the REPLs and reloads the header every time", async () => {
    const pool = trackedPool(doubleCfg(["--stats"]), { size: 2, policy: "round-robin" });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await pool.run({ cmd: "import Mathlib\n#check 1" })).replId);
    notePids(pool);
    expect(ids).toEqual(["repl-0", "repl-1", "repl-0", "repl-1"]);
    const st = await eventually(
      () => lastStats(pool.servers[0]!.stderrTail(4096)),
      (x) => x !== null && x.importsLoaded >= 2,
    );
    expect(st!.importsLoaded).toBe(2);
  });
});
