// The report unit: one self-contained HTML page per evaluation run (headline, pass@k, problems, baseline diff, times).
export * from "./report-result.js";
export * from "./problem-rows.js";
export * from "./baseline-diff.js";
export * from "./distributions.js";
export * from "./report-model.js";
export * from "./render-html.js";
export * from "./generate-report.js";
export * from "./batch-report.js";
