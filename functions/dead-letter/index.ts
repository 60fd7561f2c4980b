// The dead-letter function unit: its Lambda handler and the environment it reads. Re-exports only.
export { DEAD_LETTER_ENV } from "./env.js";
export { handler } from "./handler.js";
