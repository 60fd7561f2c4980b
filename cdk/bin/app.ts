// The CDK app: reads the deployment config (`-c config=PATH`, default cdk/examples/two-fleets.json), builds the
// LeanFleet stack, and runs cdk-nag's AwsSolutions checks on it (synth fails on any unacknowledged error).
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { resolve } from "node:path";
import { DeployConfigError, loadDeploymentConfig } from "../config.js";
import { LeanFleetStack, REPO_ROOT } from "../lib/leanfleet-stack.js";

/** Config file used when none is given. */
export const DEFAULT_CONFIG_FILE = "cdk/examples/two-fleets.json";

const app = new App();
const file = String(app.node.tryGetContext("config") ?? DEFAULT_CONFIG_FILE);
try {
  const config = loadDeploymentConfig(resolve(REPO_ROOT, file));
  new LeanFleetStack(app, config.name, { config });
} catch (err) {
  if (err instanceof DeployConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
