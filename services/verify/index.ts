// The verify unit: the fast audit (axioms, statement, options, in the REPL) and the strict stage (comparator).
export * from "./checks.js";
export * from "./audit-lean.js";
export * from "./audit-parse.js";
export * from "./lean-text.js";
export * from "./statement-match.js";
export * from "./fast-audit.js";
export * from "./scratch-project.js";
export * from "./strict-check.js";
export * from "./comparator-command.js";
