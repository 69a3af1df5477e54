import { Duration, Size } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { DataLake } from './data-lake.ts';
import type { QueryWorkgroup } from './query-workgroup.ts';
import { SurveyFunction } from './survey-function.ts';

/** Props of {@link ServiceFunctions}. */
export interface ServiceFunctionsProps {
  /** The lake: raw/ receives uploads, exports/ receives exports. */
  readonly lake: DataLake;
  /** The workgroup the query and export functions run in. */
  readonly workgroup: QueryWorkgroup;
  /** The largest wave file the upload-url function presigns a PUT for. @default Size.mebibytes(512) */
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

    this.export = new SurveyFunction(this, 'ExportFunction', {
      entry: 'functions/export.ts',
      description: 'Exports a saved query with disclosure control to exports/ and presigns its download',
      timeout: Duration.minutes(3),
      memorySize: 1024,
    });
    props.workgroup.grantQuery(this.export);
    props.lake.grantReadWriteExports(this.export);

    this.uploadUrl = new SurveyFunction(this, 'UploadUrlFunction', {
      entry: 'functions/upload-url.ts',
      description: 'Presigns a size-limited PUT of a survey wave to raw/',
      timeout: Duration.seconds(10),
      memorySize: 256,
    });
    props.lake.grantPutRaw(this.uploadUrl);
    this.uploadUrl.addEnvironment('MAX_UPLOAD_BYTES', String((props.maxUploadSize ?? Size.mebibytes(512)).toBytes()));
    this.uploadUrl.addEnvironment(
      'URL_EXPIRES_SECONDS',
      String((props.uploadUrlExpiry ?? Duration.minutes(15)).toSeconds()),
    );
  }
}
