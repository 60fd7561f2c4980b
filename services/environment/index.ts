// The environment unit: what checked a verdict, read from what runs, with a content-hash id.
export * from "./environment-record.js";
export * from "./git-checkout.js";
export * from "./lake-manifest.js";
export * from "./lean-version.js";
export type { CommandRunner } from "./command-runner.js";
export * from "./read-environment.js";
export * from "./environment-mismatches.js";
export * from "./fleet-environments.js";
export * from "./advisories.js";
