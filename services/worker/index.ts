// The worker unit: the queue-driven job runner of an ECS task (and of each local-cluster worker process).
// main.ts is the process entry; this index serves other units (local cluster, benches) and tests.
export { WORKER_ENV, WORKER_DEFAULTS, parseWorkerConfig, type WorkerConfig } from "./config.js";
export { Worker, type WorkerOptions } from "./worker.js";
export { Heartbeat, type Lease, type HeartbeatOptions } from "./heartbeat.js";
export { Consumer, type ConsumerOptions } from "./consumer.js";
export { JobProcessor, type JobDisposition } from "./job-processor.js";
export { judge, toLeanRequest, resultFromOutcome, skippedResult, rejectedResult, ResultWriter } from "./results.js";
export { emfRecord, METRICS, type JobFigures } from "./metrics.js";
export { ProtectionHolder } from "./protection.js";
export { startHealthServer, type HealthReport } from "./health.js";
export { WorkerConfigError } from "./errors.js";
export { verifyAnswer, type Verification, type VerificationDeps } from "./verification.js";
