// The jobs unit: job and result formats shared by the API, the worker, the CLI and nightly runs.
export * from "./job.js";
export * from "./result.js";
export * from "./keys.js";
export * from "./checks.js";
export * from "./job-codec.js";
export { decodeMessage, type DecodedMessage, type JobHeader } from "./job-decoder.js";
