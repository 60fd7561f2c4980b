// Notices when the process that started this one is gone (npm or a shell killed with SIGKILL, a closed IDE), so that
// `leanfleet up` stops its stack instead of serving on as an orphan. Node has no PR_SET_PDEATHSIG, so it polls.
import { readFileSync } from "node:fs";

/** The parent pid now: /proc/self/stat on Linux (process.ppid is read once at start), else undefined. */
function currentPpid(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Call `onGone` once when the parent process exits; returns a function that stops watching. */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  // Started directly by init (a container's PID 1, a daemon): there is no parent to lose.
  if (parent <= 1) return () => undefined;
  const gone = (): boolean => {
    const now = currentPpid();
    if (now !== undefined) return now !== parent;
    try {
      process.kill(parent, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "ESRCH";
    }
  };
  const timer = setInterval(() => {
    if (!gone()) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
