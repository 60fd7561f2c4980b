// The scaling unit: the backlog rule shared by the CDK stacks and the local cluster.
export { SCALING_POLICY, desiredTasks, type BacklogSample } from "./policy.js";
