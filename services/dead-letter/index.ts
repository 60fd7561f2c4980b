// The dead-letter unit: terminal results for jobs whose messages reached a dead-letter queue, and their counts.
export * from "./dead-letter-settler.js";
