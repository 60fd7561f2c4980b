// Runs the ObjectStore contract against the in-memory fake and against S3ObjectStore on fauxqs.
import { afterAll, beforeAll } from "vitest";
import { MemoryObjectStore } from "../../support/fakes.js";
import { startFauxqsEnv, type FauxqsEnv } from "../../worker/helpers/fauxqs-env.js";
import { objectStoreContract } from "./object-store.contract.js";

objectStoreContract("MemoryObjectStore", () => new MemoryObjectStore());

let env: FauxqsEnv;
beforeAll(async () => {
  env = await startFauxqsEnv();
});
afterAll(async () => {
  await env?.close();
});
objectStoreContract("S3ObjectStore on fauxqs", () => env.bucket());
