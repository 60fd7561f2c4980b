// The nightly unit: scheduled evaluation runs (submit a dataset as a batch, scale the fleet, summarise and diff).
export * from "./nightly-runner.js";
export * from "./events.js";
export * from "./summary.js";
export * from "./dataset.js";
export * from "./keys.js";
export * from "./ports.js";
export * from "./config.js";
