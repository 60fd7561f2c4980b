// Parallel elaboration (`Elab.async`): turned on for Lean >= 4.19 only, through a mechanism the REPL honours, and
// never overriding a caller's own choice (LeanInteract appends its option last and so overwrites the caller's).
/**
 * Mechanism, per request (only `cmd` / `path`; tactics run with `Elab.async false`, which the fork forces):
 * - Fresh session on the fork (`setOptions` exists): append `[["Elab","async"], true]` to `setOptions`. The fork
 *   applies `setOptions` only when it processes the header, i.e. a fresh session whose header it has not cached;
 *   on a header-cache hit it reuses the options baked in when the header was first processed. Because every fresh
 *   request LeanFleet sends carries the option (the pool's pre-warm included), the cached header has it baked in,
 *   so the option holds on cache hits too.
 * - Fresh `cmd` on the upstream REPL (no `setOptions`): insert the command `set_option Elab.async true` on its own
 *   line right after the import header; the answer's positions are mapped back (one line) so the caller sees its
 *   own text, and the inserted command's infotree is dropped.
 * - Command on an `env`: nothing to send; it inherits the option from the environment it extends (which a fresh
 *   request made). `setOptions` would be ignored there anyway.
 * - `path` on the upstream REPL: the file cannot be edited, so nothing is added (documented limitation).
 * Caller overrides win: a text that sets `Elab.async` itself (`set_option Elab.async …`) is left alone; a caller's
 * `setOptions` entry for `Elab.async` is applied inline (`set_option Elab.async <value>` after the header), which
 * the REPL honours whatever its header cache holds; on the fork, the entry itself is sent as `true` when parallel
 * elaboration is enabled, so the header cache shared with later requests keeps LeanFleet's default.
 */
import { splitSource, type SourceSplit } from "../reuse/command-split.js";
import { supportsParallelElaboration } from "../setup/detect.js";
import { PositionMap } from "../reuse/position-map.js";
import type { OptionValue, ReplRequest, SetOption } from "../protocol/protocol.js";

/** The option name as the fork's `setOptions` spells it. */
export const ELAB_ASYNC_NAME: readonly string[] = ["Elab", "async"];

/** What {@link applyParallelElaboration} needs to know about the REPL. */
export interface ElabOptionsContext {
  /** config.enableParallelElaboration */
  enableParallelElaboration: boolean;
  /** The detected Lean version, e.g. `4.19.0`; null when unknown (then nothing is turned on). */
  leanVersion: string | null;
  /** The REPL is the fork (or the double): it has `setOptions` (and `incrementality`). */
  replSupportsIncrementality: boolean;
}

/** The request to send, and how its answer's positions map back to the caller's text (null: unchanged text). */
export interface ElabPlan {
  request: ReplRequest;
  positions: PositionMap | null;
}

const isElabAsync = (o: SetOption): boolean => o[0].length === 2 && o[0][0] === "Elab" && o[0][1] === "async";
/** A `set_option Elab.async` written by the caller anywhere in the text (including `set_option … in`). */
const INLINE_ELAB_ASYNC = /(^|[^\w.])set_option\s+Elab\.async\b/;

/** A split already made (splitSource) and the text it was made for, so that the text is not parsed again. */
export interface KnownSplit {
  text: string;
  split: SourceSplit;
}

/**
 * Insert `set_option Elab.async <value>` as a command after the header of `text` (at its start when it has none).
 * `known` is used when it was made for this very text; otherwise the text is split here.
 */
export function insertElabAsync(text: string, value: OptionValue, known?: KnownSplit): PositionMap {
  const at = (known !== undefined && known.text === text ? known.split : splitSource(text)).headerEnd;
  const line = `set_option Elab.async ${String(value)}`;
  const atLineStart = at === 0 || text.charCodeAt(at - 1) === 10;
  const inserted = (atLineStart ? "" : at === text.length ? "\n" : "") + line + (at < text.length ? "\n" : "");
  return new PositionMap(text, [
    { kind: "original", start: 0, end: at },
    { kind: "inserted", text: inserted },
    { kind: "original", start: at, end: text.length },
  ]);
}

/**
 * Add what turns parallel elaboration on (see the module comment), or apply the caller's own `Elab.async` choice.
 * `known`: a split already made of the command text (used only if it is this request's `cmd`). Never mutates its input.
 */
export function applyParallelElaboration(request: ReplRequest, ctx: ElabOptionsContext, known?: KnownSplit): ElabPlan {
  const unchanged: ElabPlan = { request, positions: null };
  const isCmd = "cmd" in request;
  if (!isCmd && !("path" in request)) return unchanged;
  if (isCmd && INLINE_ELAB_ASYNC.test(request.cmd)) return unchanged;
  const supported = supportsParallelElaboration(ctx.leanVersion);
  const enabled = ctx.enableParallelElaboration && supported;
  const fresh = request.env === undefined;
  const userEntry = request.setOptions?.find(isElabAsync);
  if (userEntry !== undefined) {
    // The caller chose: honour it inline (cmd only, and only where the option exists).
    if (!isCmd || !supported || typeof userEntry[1] !== "boolean") return unchanged;
    const positions = insertElabAsync(request.cmd, userEntry[1], known);
    const setOptions =
      enabled && ctx.replSupportsIncrementality && fresh
        ? request.setOptions!.map((o): SetOption => (isElabAsync(o) ? [[...ELAB_ASYNC_NAME], true] : o))
        : request.setOptions;
    return { request: { ...request, cmd: positions.sent, ...(setOptions ? { setOptions } : {}) }, positions };
  }
  if (!enabled || !fresh) return unchanged;
  if (ctx.replSupportsIncrementality) {
    return {
      request: { ...request, setOptions: [...(request.setOptions ?? []), [[...ELAB_ASYNC_NAME], true]] },
      positions: null,
    };
  }
  if (!isCmd) return unchanged;
  const positions = insertElabAsync(request.cmd, true, known);
  return { request: { ...request, cmd: positions.sent }, positions };
}
