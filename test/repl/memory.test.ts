// memory.ts and process-tree.ts: container limits from fake cgroup v1 / v2 roots, constrainedMemory and the host;
// process-tree RSS and descendants from fake /proc trees and from a real process tree.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { isProcessDead, processTreeRss, signalProcessGroup } from "../../services/repl/index.js";
import { parseProcCgroup, readContainerMemory, UNLIMITED_BYTES } from "../../services/repl/process/memory.js";
import { listDescendants, readProcStat } from "../../services/repl/process/process-tree.js";
import { PidTracker } from "./lean-server-support.js";

const tmp = mkdtempSync(join(tmpdir(), "leanfleet-memory-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const GiB = 1024 ** 3;
const noConstraint = () => undefined;

/** A fake filesystem root from {relative path: content}. */
function fakeRoot(files: Record<string, string>): string {
  const root = join(tmp, `root-${n++}`);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

const meminfo = `MemTotal:       16384000 kB\nMemFree:         1000000 kB\nMemAvailable:    4096000 kB\n`;

describe("parseProcCgroup", () => {
  it("finds the v2 path and the v1 memory controller's path", () => {
    expect(parseProcCgroup("4:memory:/process_api/abc\n3:cpu,cpuacct:/x\n0::/\n")).toEqual({
      v2: "/",
      v1Memory: "/process_api/abc",
    });
    expect(parseProcCgroup("0::/system.slice/app.service\n")).toEqual({
      v2: "/system.slice/app.service",
      v1Memory: null,
    });
  });
});

describe("readContainerMemory", () => {
  it("cgroup v1: limit_in_bytes / usage_in_bytes of this process's memory cgroup", () => {
    const root = fakeRoot({
      "proc/self/cgroup": "4:memory:/ecs/task1\n0::/\n",
      "proc/meminfo": meminfo,
      "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
      "sys/fs/cgroup/memory/ecs/task1/memory.limit_in_bytes": String(2 * GiB),
      "sys/fs/cgroup/memory/ecs/task1/memory.usage_in_bytes": String(GiB),
    });
    expect(readContainerMemory({ root, constrainedMemory: noConstraint })).toEqual({
      limitBytes: 2 * GiB,
      usageBytes: GiB,
      source: "cgroup1",
    });
  });

  it("cgroup v1: a parent's smaller limit binds; an unlimited hierarchy falls through to the host", () => {
    const root = fakeRoot({
      "proc/self/cgroup": "4:memory:/ecs/task1\n",
      "proc/meminfo": meminfo,
      "sys/fs/cgroup/memory/ecs/memory.limit_in_bytes": String(GiB),
      "sys/fs/cgroup/memory/ecs/task1/memory.limit_in_bytes": "9223372036854771712",
      "sys/fs/cgroup/memory/ecs/task1/memory.usage_in_bytes": "1000",
    });
    expect(readContainerMemory({ root, constrainedMemory: noConstraint })).toMatchObject({
      limitBytes: GiB,
      source: "cgroup1",
    });
    const unlimited = fakeRoot({
      "proc/self/cgroup": "4:memory:/a\n0::/\n",
      "proc/meminfo": meminfo,
      "sys/fs/cgroup/memory/a/memory.limit_in_bytes": "9223372036854771712",
      "sys/fs/cgroup/memory/a/memory.usage_in_bytes": "1000",
    });
    expect(readContainerMemory({ root: unlimited, constrainedMemory: noConstraint })).toEqual({
      limitBytes: 16384000 * 1024,
      usageBytes: (16384000 - 4096000) * 1024,
      source: "host",
    });
  });

  it("cgroup v1 inside a cgroup namespace: the container's cgroup is the mount root", () => {
    const root = fakeRoot({
      "proc/self/cgroup": "4:memory:/docker/0123abcd\n",
      "proc/meminfo": meminfo,
      "sys/fs/cgroup/memory/memory.limit_in_bytes": String(3 * GiB),
      "sys/fs/cgroup/memory/memory.usage_in_bytes": String(GiB),
    });
    expect(readContainerMemory({ root, constrainedMemory: noConstraint })).toEqual({
      limitBytes: 3 * GiB,
      usageBytes: GiB,
      source: "cgroup1",
    });
  });

  it("cgroup v2: memory.max / memory.current; `max` means no limit", () => {
    const root = fakeRoot({
      "proc/self/cgroup": "0::/ecs/task2\n",
      "proc/meminfo": meminfo,
      "sys/fs/cgroup/ecs/task2/memory.max": String(4 * GiB),
      "sys/fs/cgroup/ecs/task2/memory.current": String(3 * GiB),
    });
    expect(readContainerMemory({ root, constrainedMemory: noConstraint })).toEqual({
      limitBytes: 4 * GiB,
      usageBytes: 3 * GiB,
      source: "cgroup2",
    });
    const unlimited = fakeRoot({
      "proc/self/cgroup": "0::/\n",
      "proc/meminfo": meminfo,
      "sys/fs/cgroup/memory.max": "max\n",
      "sys/fs/cgroup/memory.current": "123\n",
    });
    expect(readContainerMemory({ root: unlimited, constrainedMemory: noConstraint }).source).toBe("host");
  });

  it("process.constrainedMemory() when cgroups set nothing; 2^64-1 means no limit", () => {
    const root = fakeRoot({ "proc/self/cgroup": "0::/\n", "proc/meminfo": meminfo });
    expect(readContainerMemory({ root, constrainedMemory: () => 6 * GiB })).toEqual({
      limitBytes: 6 * GiB,
      usageBytes: (16384000 - 4096000) * 1024,
      source: "constrainedMemory",
    });
    expect(readContainerMemory({ root, constrainedMemory: () => 18446744073709552000 }).source).toBe("host");
    expect(UNLIMITED_BYTES).toBe(2 ** 60);
  });

  it("reads this machine without throwing", () => {
    const m = readContainerMemory();
    expect(m.limitBytes).toBeGreaterThan(0);
    expect(m.usageBytes).toBeGreaterThan(0);
    expect(["cgroup2", "cgroup1", "constrainedMemory", "host"]).toContain(m.source);
  });
});

describe("process trees from a fake /proc", () => {
  const stat = (pid: number, ppid: number, state = "S") => `${pid} (node (worker) x) ${state} ${ppid} ${pid} 0 0\n`;
  const status = (kb: number) => `Name:\tnode\nVmRSS:\t ${kb} kB\n`;

  it("sums VmRSS over the root and its descendants from task/*/children (any thread)", async () => {
    const root = fakeRoot({
      "proc/100/stat": stat(100, 1),
      "proc/100/status": status(1000),
      "proc/100/task/100/children": "101 ",
      "proc/100/task/105/children": "102",
      "proc/101/stat": stat(101, 100),
      "proc/101/status": status(200),
      "proc/101/task/101/children": "103",
      "proc/102/stat": stat(102, 100),
      "proc/102/status": status(30),
      "proc/102/task/102/children": "",
      "proc/103/stat": stat(103, 101, "Z"),
      "proc/103/status": "Name:\tzombie\n",
      "proc/103/task/103/children": "",
    });
    expect(listDescendants(100, { root })).toEqual([101, 102, 103]);
    expect(await processTreeRss(100, { root })).toEqual({ rssBytes: 1230 * 1024, pids: [100, 101, 102, 103] });
    expect(isProcessDead(103, { root })).toBe(true);
    expect(isProcessDead(101, { root })).toBe(false);
    expect(isProcessDead(999, { root })).toBe(true);
    expect(readProcStat(101, { root })).toEqual({ pid: 101, state: "S", ppid: 100, pgrp: 101 });
  });

  it("falls back to scanning ppids when the kernel has no children files; skips exited pids", async () => {
    const root = fakeRoot({
      "proc/200/stat": stat(200, 1),
      "proc/200/status": status(100),
      "proc/200/task/200/stat": "",
      "proc/201/stat": stat(201, 200),
      "proc/201/status": status(10),
      "proc/202/stat": stat(202, 201),
      "proc/203/stat": stat(203, 1),
      "proc/203/status": status(5000),
    });
    expect(listDescendants(200, { root }).sort()).toEqual([201, 202]);
    // 202 has no status file (it exited between listing and reading): skipped, not an error
    expect(await processTreeRss(200, { root })).toEqual({ rssBytes: 110 * 1024, pids: [200, 201] });
    expect(await processTreeRss(4242, { root })).toEqual({ rssBytes: 0, pids: [] });
  });
});

describe("process trees on this machine", () => {
  it("lists a real tree, sums its RSS, and tolerates exited pids", async () => {
    const tracker = new PidTracker();
    const sub = execa("/bin/sh", ["-c", "sleep 30 & sleep 30 & wait"], { detached: true, reject: false });
    const pid = sub.pid!;
    tracker.add(pid);
    try {
      let kids: number[] = [];
      for (let i = 0; i < 100 && kids.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        kids = listDescendants(pid);
      }
      expect(kids).toHaveLength(2);
      kids.forEach((k) => tracker.add(k));
      const tree = await processTreeRss(pid);
      expect(tree.pids.sort()).toEqual([pid, ...kids].sort());
      const alone = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
      expect(tree.rssBytes).toBeGreaterThan(alone);
    } finally {
      signalProcessGroup(pid, "SIGKILL");
      await sub;
    }
    expect(await processTreeRss(pid)).toEqual({ rssBytes: 0, pids: [] });
    await tracker.expectAllDead();
  });
});
