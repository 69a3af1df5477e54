import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeWildcards } from './nag.ts';

/** The project root: entries, package-lock.json and esbuild are resolved from here, never from the caller's cwd. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime this aws-cdk-lib offers (checked by test/infra so an upgrade is noticed). */
export const SURVEY_RUNTIME = lambda.Runtime.NODEJS_24_X;

// The bundle is ESM; a few CommonJS dependencies still call require() for Node built-ins, which an ES module
// does not have, so the banner gives them one.
const REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Props of {@link SurveyFunction}. */
export interface SurveyFunctionProps {
  /** The handler file relative to the project root, exporting `handler`, e.g. "functions/ingest.ts". */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** The size of /tmp. @default Size.mebibytes(512) */
  readonly ephemeralStorageSize?: Size;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default lambda.Architecture.ARM_64 */
  readonly architecture?: lambda.Architecture;
  /**
   * Packages with native code, left out of the bundle and copied into its node_modules as `npm ci` installed them
   * (so the architecture must be the build machine's). @default none
   */
  readonly nativeModules?: readonly string[];
}

/**
 * A Lambda function of this project, holding every default in one place: the newest Node.js on arm64, X-Ray
 * tracing, JSON logs in its own log group with a retention, Powertools' service name (the entry's file name, e.g.
 * "ingest"), its own role with no managed policy, and a local esbuild bundle (minified ESM with a source map). A
 * native module (DuckDB, for the ingest) must be named in `nativeModules`: any other that a handler pulls in fails
 * the bundle loudly instead of failing in Lambda.
 */
export class SurveyFunction extends NodejsFunction {
  /** The execution role, always created here (never undefined, unlike `lambda.Function.role`). */
  readonly executionRole: iam.Role;
  /** The function's log group, with its retention. */
  readonly logs: logs.LogGroup;

  /** Creates the function, its role (`<id>Role`) and its log group (`<id>Logs`) beside it in `scope`. */
  constructor(scope: Construct, id: string, props: SurveyFunctionProps) {
    // The role is ours rather than the default one so that no AWS managed policy (AWSLambdaBasicExecutionRole,
    // which writes to any log group) is attached: the function may write to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: SURVEY_RUNTIME,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      ephemeralStorageSize: props.ephemeralStorageSize,
      tracing: lambda.Tracing.ACTIVE,
      // The runtime's own lines (an uncaught error, a timeout) are JSON with the request id, like Powertools' Logger.
      loggingFormat: lambda.LoggingFormat.JSON,
      role,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: path.basename(props.entry, '.ts'),
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The SDK is bundled, not taken from the runtime: one minified file imports in about half the time of
        // the runtime's many-file copy (npm run bench), and its version is the one the tests ran against.
        externalModules: [...(props.nativeModules ?? [])],
        // The query and export handlers read the saved queries from a queries/ folder beside the bundle.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -R "${inputDir}/queries" "${outputDir}/queries"`,
            ...(props.nativeModules ?? []).map(
              (name) =>
                `mkdir -p "${outputDir}/node_modules/${name}" && cp -R "${inputDir}/node_modules/${name}/." "${outputDir}/node_modules/${name}/"`,
            ),
          ],
        },
        // Bundling must never reach for Docker: esbuild is a devDependency and is used in place.
        forceDockerBundling: false,
      },
    });
    this.executionRole = role;
    this.logs = logGroup;
    acknowledgeWildcards(
      this,
      ['Resource::*'],
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions',
    );
  }
}

/**
 * Sets an environment variable on the grantee when it is one of our functions. Every construct calls this in the
 * same method that grants the access (STYLE.md 9), so a function never has a bucket name it cannot use, nor an
 * access it has no name for; a role simply gets the grant.
 */
export function configure(grantee: iam.IGrantable, name: string, value: string): void {
  if (grantee instanceof SurveyFunction) grantee.addEnvironment(name, value);
}
