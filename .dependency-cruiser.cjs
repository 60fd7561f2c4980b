// The import rules of docs/architecture.md, checked by `npm run lint:imports` (part of `npm test`).
/** A unit is a folder directly under services/ or functions/, or cli/, cdk/, bench/ as a whole. */
const UNIT = "^(services|functions)/([^/]+)/";
/** Files that may build AWS SDK clients: the AWS adapters, the composition roots that wire them, the CDK app and the
 * benchmarks (which set up their own queues). */
const AWS_ALLOWED = [
  "^services/aws/",
  "^functions/api/(lambda|local|aws-deps)\\.ts$",
  "^functions/nightly/(handler\\.ts|adapters/)",
  "^functions/dead-letter/handler\\.ts$",
  "^services/worker/main\\.ts$",
  "^cdk/",
  "^bench/",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "Modules must not import each other in a cycle (a cycle of type-only imports is erased at run time and allowed).",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "unit-boundary",
      comment: "Another unit is imported only through its index.ts (its public surface).",
      severity: "error",
      from: { path: UNIT },
      to: { path: "^(services|functions)/[^/]+/", pathNot: ["^$1/$2/", "^(services|functions)/[^/]+/index\\.ts$"] },
    },
    {
      name: "unit-boundary-apps",
      comment: "The CLI, the CDK app and the benchmarks use the units through their index.ts too.",
      severity: "error",
      from: { path: "^(cli|cdk|bench)/" },
      to: { path: "^(services|functions)/[^/]+/", pathNot: ["^(services|functions)/[^/]+/index\\.ts$"] },
    },
    {
      name: "aws-sdk-at-the-edge",
      comment: "@aws-sdk/* only in services/aws and the composition roots that build AWS clients.",
      severity: "error",
      from: { pathNot: AWS_ALLOWED },
      to: { path: "node_modules/@aws-sdk/" },
    },
  ],
  options: {
    parser: "swc",
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
