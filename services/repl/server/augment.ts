// Request augmentation: what the REPL set adds to a caller's request before it reaches a REPL (the fork's
// `incrementality` today; parallel elaboration options are added by elab-options.ts).
import type { LeanReplConfig } from "../config.js";
import { applyParallelElaboration, type KnownSplit } from "./elab-options.js";
import type { ReplRequest, ReplResponse } from "../protocol/protocol.js";

/** What augmentation needs to know about the REPL a request goes to. */
export interface AugmentContext {
  /** config.enableIncrementalOptimization */
  enableIncrementalOptimization: boolean;
  /** The REPL understands `incrementality` (the fork or the double); resolved, never "auto". */
  replSupportsIncrementality: boolean;
  /** config.enableParallelElaboration (applied by elab-options.ts). */
  enableParallelElaboration: boolean;
  /** Detected Lean version (`4.19.0`), null when unknown. */
  leanVersion: string | null;
}

/** The augmentation context of a configuration whose `replSupportsIncrementality` is already resolved (see detectRepl). */
export function augmentContextOf(config: LeanReplConfig, replSupportsIncrementality: boolean): AugmentContext {
  return {
    enableIncrementalOptimization: config.enableIncrementalOptimization,
    replSupportsIncrementality,
    enableParallelElaboration: config.enableParallelElaboration,
    leanVersion: config.leanVersion ?? null,
  };
}

/**
 * The request to send. For `cmd` / `path` requests: `incrementality: true` is added when the config enables it and
 * the REPL supports it; a value the caller set explicitly is kept (LeanInteract overwrites it); and the key is
 * removed for a REPL without support, since only the fork defines it. Other request kinds are returned unchanged.
 * Never mutates its input.
 */
export function augmentRequest(request: ReplRequest, ctx: AugmentContext): ReplRequest {
  if (!("cmd" in request) && !("path" in request)) return request;
  if (!ctx.replSupportsIncrementality) {
    if (request.incrementality === undefined) return request;
    const { incrementality: _dropped, ...rest } = request;
    return rest as ReplRequest;
  }
  if (request.incrementality !== undefined || !ctx.enableIncrementalOptimization) return request;
  return { ...request, incrementality: true };
}

/** A request ready for the REPL, and how to turn its answer back into the caller's terms. */
export interface AugmentedRequest {
  request: ReplRequest;
  /** Maps the answer's positions back to the caller's text when augmentation edited it (identity otherwise). */
  restore(response: ReplResponse): ReplResponse;
}

/**
 * Everything the REPL set adds before a request reaches a REPL: {@link augmentRequest} (incrementality), then
 * parallel elaboration (elab-options.ts: `Elab.async` for Lean >= 4.19 only, the caller's own choice honoured).
 * `known`: a split the caller already made of a command text; it saves parsing the text again when that text is the
 * `cmd` parallel elaboration edits (it is ignored for any other text).
 */
export function augmentForRepl(request: ReplRequest, ctx: AugmentContext, known?: KnownSplit): AugmentedRequest {
  const plan = applyParallelElaboration(augmentRequest(request, ctx), ctx, known);
  const positions = plan.positions;
  return { request: plan.request, restore: positions === null ? (r) => r : (r) => positions.mapResponse(r) };
}
