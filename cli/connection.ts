// Where the CLI talks to: --endpoint / LEANFLEET_ENDPOINT (default: the local cluster) and --api-key / LEANFLEET_API_KEY.
import { DEFAULT_LOCAL_PORT } from "../functions/api/index.js";
import { LeanFleetClient } from "../services/client/index.js";
import { UsageError } from "../services/core/index.js";

/** Environment variables the CLI reads. */
export const CLI_ENV = {
  endpoint: "LEANFLEET_ENDPOINT",
  apiKey: "LEANFLEET_API_KEY",
} as const;

/** The local cluster's API, the CLI's default endpoint. */
export const DEFAULT_ENDPOINT = `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`;

/** Global connection options of the CLI. */
export interface ConnectionOptions {
  endpoint?: string;
  apiKey?: string;
}

/** The endpoint the CLI talks to: the flag, then the environment, then the local cluster. */
export function endpointOf(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): string {
  return options.endpoint ?? env[CLI_ENV.endpoint] ?? DEFAULT_ENDPOINT;
}

/** Resolve the endpoint and key (flag, then environment, then default) and build a client. */
export function connect(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
  onRetry?: (line: string) => void,
): LeanFleetClient {
  const endpoint = endpointOf(options, env);
  const apiKey = options.apiKey ?? env[CLI_ENV.apiKey];
  try {
    new URL(endpoint);
  } catch {
    throw new UsageError(
      `--endpoint ${JSON.stringify(endpoint)} is not a URL; use e.g. ${DEFAULT_ENDPOINT} or https://<api-id>.execute-api.<region>.amazonaws.com`,
    );
  }
  return new LeanFleetClient({
    endpoint,
    ...(apiKey ? { apiKey } : {}),
    ...(onRetry
      ? {
          onRetry: (i) =>
            onRetry(
              `retrying in ${Math.round(i.delayMs)} ms (attempt ${i.attempt}: ${i.status ? `HTTP ${i.status} ${i.code ?? ""}` : i.error})`,
            ),
        }
      : {}),
  });
}
