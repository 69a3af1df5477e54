import { Duration, Size } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { disclosureContext } from '../disclosure.ts';
import type { DataLake } from './data-lake.ts';
import type { QueryWorkgroup } from './query-workgroup.ts';
import { configure, SurveyFunction } from './survey-function.ts';

/** How long before its timeout a function stops waiting for Athena: time to stop the query and answer. */
export const ATHENA_WAIT_MARGIN = Duration.seconds(30);

/** Props of {@link ServiceFunctions}. */
export interface ServiceFunctionsProps {
  /** The lake: raw/ receives uploads, exports/ receives exports. */
  readonly lake: DataLake;
  /** The workgroup the query and export functions run in. */
  readonly workgroup: QueryWorkgroup;
  /** The lake's lock table (the ingest pipeline's): the export function records releases under a survey's lock. */
  readonly locks: dynamodb.ITableV2;
  /** The surveys that get an alias of the upload-url function: invoking alias <id> presigns uploads to <id> only. */
  readonly surveys: readonly string[];
  /** The largest wave file the upload-url function presigns a PUT for. @default Size.mebibytes(256) */
  readonly maxUploadSize?: Size;
  /** How long a presigned upload URL stays valid. @default Duration.minutes(15) */
  readonly uploadUrlExpiry?: Duration;
}

/** The on-demand functions: run a saved query, export one with disclosure control, presign an upload. */
export class ServiceFunctions extends Construct {
  /** Saved-query name + parameters → rows. */
  readonly query: SurveyFunction;
  /** Saved-query name + parameters → an object in exports/ and a presigned URL. */
  readonly export: SurveyFunction;
  /** A presigned, size-limited PUT for raw/. */
  readonly uploadUrl: SurveyFunction;
  /**
   * One alias of the upload-url function per survey, named by the survey id. A research team may invoke its own
   * survey's alias only (IAM), and the function presigns uploads only to the survey its alias names.
   */
  readonly uploadUrlAliases: ReadonlyMap<string, lambda.Alias>;

  /** Creates the three functions, each granted what it uses and configured in the same call. */
  constructor(scope: Construct, id: string, props: ServiceFunctionsProps) {
    super(scope, id);
    // Athena is polled until the query ends, so these wait longer than they compute.
    this.query = new SurveyFunction(this, 'QueryFunction', {
      entry: 'functions/query.ts',
      description: 'Runs a saved query in the Athena workgroup',
      timeout: Duration.minutes(2),
    });
    props.workgroup.grantQuery(this.query);
    waitForAthena(this.query);

    this.export = new SurveyFunction(this, 'ExportFunction', {
      entry: 'functions/export.ts',
      description: 'Exports a saved query with disclosure control to exports/ and presigns its download',
      timeout: Duration.minutes(3),
      memorySize: 1024,
      // The HiGHS solver of disclosure control loads its WebAssembly (highs.wasm) from its own package folder.
      nativeModules: ['highs'],
    });
    props.workgroup.grantQuery(this.export);
    props.lake.grantReadWriteExports(this.export);
    // Two releases of one survey at once could each be protected without the other in view: they take turns.
    props.locks.grantReadWriteData(this.export);
    configure(this.export, 'LOCK_TABLE', props.locks.tableName);
    waitForAthena(this.export);
    // The deployment's disclosure settings (context disclosureThreshold, disclosureP); requests may only make them
    // stricter. Settings under the floors (threshold 3, p > 0) fail the synth, not every export after the deploy.
    const disclosure = disclosureContext(this);
    this.export.addEnvironment('DISCLOSURE_THRESHOLD', String(disclosure.threshold));
    this.export.addEnvironment('DISCLOSURE_P', String(disclosure.p));

    this.uploadUrl = new SurveyFunction(this, 'UploadUrlFunction', {
      entry: 'functions/upload-url.ts',
      description: 'Presigns a size-limited PUT of a survey wave to raw/',
      timeout: Duration.seconds(10),
      memorySize: 256,
    });
    props.lake.grantPutRaw(this.uploadUrl);
    props.lake.restrictUploads(this.uploadUrl.executionRole);
    this.uploadUrl.addEnvironment('MAX_UPLOAD_BYTES', String((props.maxUploadSize ?? Size.mebibytes(256)).toBytes()));
    this.uploadUrl.addEnvironment(
      'URL_EXPIRES_SECONDS',
      String((props.uploadUrlExpiry ?? Duration.minutes(15)).toSeconds()),
    );
    const version = this.uploadUrl.currentVersion;
    this.uploadUrlAliases = new Map(
      props.surveys.map((survey) => [
        survey,
        new lambda.Alias(this, `UploadUrl-${survey}`, {
          aliasName: survey,
          version,
          description: `Presigns uploads to raw/survey=${survey}/ only`,
        }),
      ]),
    );
  }

  /** Lets a research team invoke its own survey's alias of the upload-url function, and nothing else of it. */
  grantUpload(survey: string, grantee: iam.IGrantable): iam.Grant {
    const alias = this.uploadUrlAliases.get(survey);
    if (alias === undefined) {
      throw new Error(
        `infra: survey "${survey}" has no upload-url alias; expected one of ${[...this.uploadUrlAliases.keys()].join(', ')}`,
      );
    }
    return alias.grantInvoke(grantee);
  }
}

/**
 * Tells a function how long to wait for an Athena query (ATHENA_WAIT_SECONDS): its timeout less the margin, so it
 * stops the query (StopQueryExecution) and says so before Lambda ends it.
 */
function waitForAthena(fn: SurveyFunction): void {
  const timeout = fn.timeout ?? Duration.seconds(30);
  fn.addEnvironment('ATHENA_WAIT_SECONDS', String(timeout.toSeconds() - ATHENA_WAIT_MARGIN.toSeconds()));
}
