// What an AutoLeanServer refuses before a request reaches a REPL: a malformed request, or `keep` on a raw REPL id.
import { InvalidRequestError } from "../errors.js";
import { validateRequest } from "../protocol/request-validation.js";
import { isHandle, type LeanRequest, type RunOptions } from "./outcome.js";
import { checkHandleFields, rawIdField } from "./session-handles.js";

/** Refuse what can never run: a malformed request, or `keep` on a raw id (raw ids die with their process). */
export function checkRequest(request: LeanRequest, options: RunOptions): void {
  const probe = { ...(request as Record<string, unknown>) };
  for (const f of ["env", "proofState"]) if (isHandle(probe[f])) probe[f] = 0;
  validateRequest(probe);
  checkHandleFields(request);
  const raw = rawIdField(request);
  if (options.keep && raw !== null) {
    throw new InvalidRequestError(
      raw,
      "keep=true needs a handle here, not a raw REPL id (raw ids die with their process); pass the handle an earlier keep=true run returned",
    );
  }
}
