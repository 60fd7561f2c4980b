// The client unit: LeanFleetClient (TypeScript SDK of the API), its transport with retries, handle chains, results stream.
export * from "./leanfleet-client.js";
export * from "./batch-sender.js";
export * from "./http.js";
export * from "./handle-book.js";
export * from "./result-stream.js";
