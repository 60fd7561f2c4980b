// The batches unit: batch manifests and parts in the object store, results cursors, listing and progress.
export * from "./batch-store.js";
export * from "./batch-results.js";
export * from "./batch-progress.js";
export * from "./result-cursor.js";
export * from "./map-limit.js";
export * from "./pass-at-k.js";
export * from "./eval-summary.js";
export * from "./environment-summary.js";
