import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgePrefixGrant } from './nag.ts';
import { configure } from './survey-function.ts';

/** The key prefixes of the lake (DESIGN.md "The lake layout"); each lives in its own bucket under the same prefix. */
export const LAKE_PREFIXES = {
  raw: 'raw/',
  curated: 'curated/',
  reports: 'reports/',
  exports: 'exports/',
  athenaResults: 'results/',
} as const;

/** Props of {@link DataLake}. */
export interface DataLakeProps {
  /** How long superseded versions of raw uploads are kept. @default Duration.days(365) */
  readonly rawNoncurrentVersionExpiration?: Duration;
  /** How long Athena query results are kept. @default Duration.days(30) */
  readonly athenaResultsExpiration?: Duration;
  /** How long server access logs are kept. @default Duration.days(730) */
  readonly accessLogsExpiration?: Duration;
}

/**
 * The lake's buckets: raw (versioned uploads), curated (Parquet), reports, exports, Athena results, and the
 * access-log bucket they all log to. Every bucket is encrypted, blocks public access, refuses non-TLS requests,
 * and is retained when the stack is deleted.
 *
 * Encryption is S3-managed (SSE-S3, AES-256) rather than a customer-managed KMS key: who may read what is decided
 * by IAM and bucket policies (proven offline by test/infra), a KMS key policy would be a second copy of those
 * rules to keep in step for Athena, Glue and three roles, the access-log target bucket cannot use SSE-KMS at all,
 * and no organisation name, registration number or contact reaches curated/, reports/ or exports/. A
 * customer-managed key for the raw bucket is the step to take if a data-protection assessment asks for separate
 * key custody of raw uploads.
 */
export class DataLake extends Construct {
  /** Raw uploads as received, versioned. */
  readonly raw: s3.Bucket;
  /** Canonical records as Parquet, one version prefix per wave; written by the ingest function only. */
  readonly curated: s3.Bucket;
  /** Validation reports and rejected rows; written by the ingest function only. */
  readonly reports: s3.Bucket;
  /** Aggregate exports after disclosure control. */
  readonly exports: s3.Bucket;
  /** Athena query results of the workgroup. */
  readonly athenaResults: s3.Bucket;
  /** Server access logs of every other bucket. */
  readonly accessLogs: s3.Bucket;

  /** Creates the six buckets. */
  constructor(scope: Construct, id: string, props: DataLakeProps = {}) {
    super(scope, id);
    const abortUploads: s3.LifecycleRule = {
      id: 'abort-incomplete-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    };
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secureBucketDefaults(),
      // S3 server access logging delivers only to an SSE-S3 bucket (with the recommended flags, via a bucket policy).
      lifecycleRules: [
        abortUploads,
        { id: 'expire-logs', expiration: props.accessLogsExpiration ?? Duration.days(730) },
      ],
    });
    const logged = (prefix: string): s3.BucketProps => ({
      ...secureBucketDefaults(),
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: prefix,
    });
    this.raw = new s3.Bucket(this, 'Raw', {
      ...logged('raw/'),
      versioned: true,
      lifecycleRules: [
        abortUploads,
        {
          id: 'age-out-superseded-uploads',
          noncurrentVersionTransitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
          ],
          noncurrentVersionExpiration: props.rawNoncurrentVersionExpiration ?? Duration.days(365),
        },
      ],
    });
    this.curated = new s3.Bucket(this, 'Curated', { ...logged('curated/'), lifecycleRules: [abortUploads] });
    this.reports = new s3.Bucket(this, 'Reports', { ...logged('reports/'), lifecycleRules: [abortUploads] });
    this.exports = new s3.Bucket(this, 'Exports', { ...logged('exports/'), lifecycleRules: [abortUploads] });
    this.athenaResults = new s3.Bucket(this, 'AthenaResults', {
      ...logged('athena-results/'),
      lifecycleRules: [
        abortUploads,
        { id: 'expire-results', expiration: props.athenaResultsExpiration ?? Duration.days(30) },
      ],
    });
  }

  /** Lets the grantee read raw uploads (RAW_BUCKET). */
  grantReadRaw(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'RAW_BUCKET', this.raw.bucketName);
    return this.grantPrefix(grantee, this.raw, LAKE_PREFIXES.raw, 'read', 'reading raw uploads');
  }

  /** Lets the grantee put objects under raw/, multipart included (RAW_BUCKET). */
  grantPutRaw(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'RAW_BUCKET', this.raw.bucketName);
    return this.grantPrefix(grantee, this.raw, LAKE_PREFIXES.raw, 'put', 'uploading to raw/');
  }

  /** Lets the grantee read curated/ (CURATED_BUCKET). */
  grantReadCurated(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'CURATED_BUCKET', this.curated.bucketName);
    return this.grantPrefix(grantee, this.curated, LAKE_PREFIXES.curated, 'read', 'reading curated/');
  }

  /** Lets the grantee read, write and delete under curated/ (CURATED_BUCKET); see {@link restrictWrites}. */
  grantReadWriteCurated(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'CURATED_BUCKET', this.curated.bucketName);
    return this.grantPrefix(
      grantee,
      this.curated,
      LAKE_PREFIXES.curated,
      'readWrite',
      'committing wave versions to curated/',
    );
  }

  /** Lets the grantee read reports/ (REPORTS_BUCKET). */
  grantReadReports(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'REPORTS_BUCKET', this.reports.bucketName);
    return this.grantPrefix(grantee, this.reports, LAKE_PREFIXES.reports, 'read', 'reading validation reports');
  }

  /** Lets the grantee read, write and delete under reports/ (REPORTS_BUCKET); see {@link restrictWrites}. */
  grantReadWriteReports(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'REPORTS_BUCKET', this.reports.bucketName);
    return this.grantPrefix(grantee, this.reports, LAKE_PREFIXES.reports, 'readWrite', 'writing validation reports');
  }

  /** Lets the grantee read exports/ (EXPORTS_BUCKET). */
  grantReadExports(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'EXPORTS_BUCKET', this.exports.bucketName);
    return this.grantPrefix(grantee, this.exports, LAKE_PREFIXES.exports, 'read', 'reading exports');
  }

  /** Lets the grantee write exports/ and read them back to presign a download (EXPORTS_BUCKET). */
  grantReadWriteExports(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'EXPORTS_BUCKET', this.exports.bucketName);
    return this.grantPrefix(
      grantee,
      this.exports,
      LAKE_PREFIXES.exports,
      'readWrite',
      'writing exports and presigning their download',
    );
  }

  /** Lets the grantee read the Athena results prefix and write query results to it. */
  grantReadWriteAthenaResults(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(
      grantee,
      this.athenaResults,
      LAKE_PREFIXES.athenaResults,
      'readWrite',
      'Athena query results',
    );
  }

  private grantPrefix(
    grantee: iam.IGrantable,
    bucket: s3.Bucket,
    prefix: string,
    kind: 'read' | 'put' | 'readWrite',
    what: string,
  ): iam.Grant {
    const objects = `${prefix}*`;
    const grant =
      kind === 'read'
        ? bucket.grantRead(grantee, objects)
        : kind === 'put'
          ? bucket.grantPut(grantee, objects)
          : bucket.grantReadWrite(grantee, objects);
    acknowledgePrefixGrant(grantee, bucket.arnForObjects(objects), kind, what);
    return grant;
  }

  /**
   * Denies object writes and deletes in curated/ and reports/ to every principal but `writer` (the ingest
   * function's role), in the buckets' own policies. Grants alone would only say who may write today; the deny
   * keeps it true when someone later attaches a broad policy (s3:* on *) to another role.
   */
  restrictWrites(writer: iam.IRole): void {
    for (const bucket of [this.curated, this.reports]) {
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyIngestWrites',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl'],
          resources: [bucket.arnForObjects('*')],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': writer.roleArn } },
        }),
      );
    }
  }
}

/** Encryption, public-access block, TLS only, retained on stack deletion: the same for every lake bucket. */
function secureBucketDefaults(): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
