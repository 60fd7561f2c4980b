// Per-job metrics in CloudWatch Embedded Metric Format: the job's log line carries `_aws`, so CloudWatch Logs turns
// it into metrics with no agent (namespace LeanFleet, dimension Fleet).

/** Namespace and names of the worker's metrics (the CDK alarms and dashboards use the same). */
export const METRICS = {
  namespace: "LeanFleet",
  dimension: "Fleet",
  jobs: "Jobs",
  runMs: "RunMs",
  reusedChars: "ReusedChars",
  replRestarts: "ReplRestarts",
} as const;

/** Figures of one finished job. */
export interface JobFigures {
  fleet: string;
  status: string;
  runMs: number;
  reusedChars: number;
  /** REPL restarts of this worker since the previous record. */
  replRestarts: number;
}

/** The EMF fields of one job record, to be merged into a JSON log line. */
export function emfRecord(f: JobFigures, timestampMs = Date.now()): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRICS.namespace,
          Dimensions: [[METRICS.dimension]],
          Metrics: [
            { Name: METRICS.jobs, Unit: "Count" },
            { Name: METRICS.runMs, Unit: "Milliseconds" },
            { Name: METRICS.reusedChars, Unit: "Count" },
            { Name: METRICS.replRestarts, Unit: "Count" },
          ],
        },
      ],
    },
    [METRICS.dimension]: f.fleet,
    [METRICS.jobs]: 1,
    [METRICS.runMs]: f.runMs,
    [METRICS.reusedChars]: f.reusedChars,
    [METRICS.replRestarts]: f.replRestarts,
    status: f.status,
  };
}
