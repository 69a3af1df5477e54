import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgePrefixGrant, acknowledgeWildcards, nagArn } from './nag.ts';
import { configure } from './survey-function.ts';

/** The key prefixes of the lake (DESIGN.md "The lake layout"); each lives in its own bucket under the same prefix. */
export const LAKE_PREFIXES = {
  raw: 'raw/',
  curated: 'curated/',
  reports: 'reports/',
  exports: 'exports/',
  athenaResults: 'results/',
} as const;

/**
 * Where `survey weight` writes the calibration weights: in the curated bucket beside curated/ (the Glue table
 * `weights` reads it), written by the policy analysts rather than the ingest function (see {@link
 * DataLake.restrictWrites}).
 */
export const WEIGHTS_PREFIX = 'weights/';

/**
 * The object tag that marks rejected rows (reports/.../rejected.csv: respondents' original cells) for expiry. The
 * ingest function tags what it writes (REJECTED_ROWS_TAG); the reports bucket's lifecycle expires what carries it.
 */
export const REJECTED_ROWS_TAG = { key: 'retention', value: 'rejected-rows' } as const;

/** Props of {@link DataLake}. */
export interface DataLakeProps {
  /** How long superseded versions of raw uploads are kept. @default Duration.days(365) */
  readonly rawNoncurrentVersionExpiration?: Duration;
  /** How long Athena query results are kept. @default Duration.days(30) */
  readonly athenaResultsExpiration?: Duration;
  /** How long server access logs are kept. @default Duration.days(730) */
  readonly accessLogsExpiration?: Duration;
  /** How long rejected rows (personal data) are kept after their ingest. @default Duration.days(90) */
  readonly rejectedRowsExpiration?: Duration;
}

/**
 * The lake's buckets: raw (versioned uploads), curated (Parquet), reports, exports, Athena results, and the
 * access-log bucket they all log to. Every bucket is encrypted, blocks public access, refuses non-TLS requests,
 * and is retained when the stack is deleted.
 *
 * Personal data lives in two buckets. raw/ holds the uploads as sent, and reports/ holds rejected.csv, which keeps
 * the original cells of every rejected row: organisation names, contacts' e-mails, registration numbers and
 * postcodes. Those two are encrypted under a customer-managed KMS key (rotated yearly, S3 Bucket Keys on), so that
 * reading them needs kms:Decrypt on that key as well as an S3 grant (a broad s3:* given to some role later does not
 * reach them) and every use of the key is in CloudTrail; bucket policies let each survey's objects be read only by
 * that survey's research team and the ingest function. curated/ holds pseudonyms (org_id, response_id) and no
 * name, contact or registration number, exports/ and Athena results hold disclosure-controlled aggregates, and the
 * access-log bucket cannot use SSE-KMS at all: those stay on SSE-S3, which Athena, Glue and the analysts' roles
 * read without a key policy to keep in step with their IAM.
 */
export class DataLake extends Construct {
  /** Raw uploads as received, versioned. */
  readonly raw: s3.Bucket;
  /**
   * Canonical records as Parquet, one version prefix per wave, written by the ingest function only; and the
   * calibration weights under weights/, written by the weights writer only (the policy analysts).
   */
  readonly curated: s3.Bucket;
  /** Validation reports and rejected rows; written by the ingest function only. */
  readonly reports: s3.Bucket;
  /** Aggregate exports after disclosure control. */
  readonly exports: s3.Bucket;
  /** Athena query results of the workgroup. */
  readonly athenaResults: s3.Bucket;
  /** Server access logs of every other bucket. */
  readonly accessLogs: s3.Bucket;
  /** The customer-managed key of the buckets holding personal data: raw and reports. */
  readonly personalDataKey: kms.Key;

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
    this.personalDataKey = new kms.Key(this, 'PersonalDataKey', {
      description: 'Encrypts raw uploads and rejected rows of the survey lake (personal data)',
      enableKeyRotation: true,
      // Retained with the buckets it encrypts: deleting it would make their objects unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const personal: s3.BucketProps = {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.personalDataKey,
      bucketKeyEnabled: true,
    };
    this.raw = new s3.Bucket(this, 'Raw', {
      ...logged('raw/'),
      ...personal,
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
    this.reports = new s3.Bucket(this, 'Reports', {
      ...logged('reports/'),
      ...personal,
      lifecycleRules: [
        abortUploads,
        {
          id: 'expire-rejected-rows',
          tagFilters: { [REJECTED_ROWS_TAG.key]: REJECTED_ROWS_TAG.value },
          expiration: props.rejectedRowsExpiration ?? Duration.days(90),
        },
      ],
    });
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

  /**
   * Lets the grantee put objects under raw/, multipart included (RAW_BUCKET); see {@link restrictUploads}, which
   * makes it the only principal that can.
   */
  grantPutRaw(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'RAW_BUCKET', this.raw.bucketName);
    return this.grantPrefix(grantee, this.raw, LAKE_PREFIXES.raw, 'put', 'presigning uploads to raw/');
  }

  /**
   * Lets a research team read its own survey's uploads (raw/survey=<id>/) and reports (reports/survey=<id>/) and
   * list those two prefixes, nothing else. Hand-written rather than CDK's grantRead, whose s3:List* on the whole
   * bucket would show a team every other survey's keys.
   */
  grantReadSurvey(grantee: iam.IGrantable, survey: string): void {
    for (const [bucket, prefix] of [
      [this.raw, LAKE_PREFIXES.raw],
      [this.reports, LAKE_PREFIXES.reports],
    ] as const) {
      const surveyPrefix = `${prefix}survey=${survey}/`;
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject'],
        resourceArns: [bucket.arnForObjects(`${surveyPrefix}*`)],
      });
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${surveyPrefix}*`] } },
      });
      acknowledgeWildcards(
        grantee,
        [`Resource::${nagArn(this, bucket.arnForObjects(`${surveyPrefix}*`))}`],
        `A research team reads the objects under its own survey's prefix of ${prefix}, whose keys (wave, file) are data unknown at deploy time`,
      );
    }
    // The wave pointers (no personal data): `survey report` reads a wave's report through its pointer.
    const pointers = this.curated.arnForObjects(`${LAKE_PREFIXES.curated}survey=${survey}/wave=*/_current.json`);
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [pointers] });
    acknowledgeWildcards(
      grantee,
      [`Resource::${nagArn(this, pointers)}`],
      "A research team reads the live-version pointer of each of its survey's waves, whose years are data",
    );
    this.personalDataKey.grantDecrypt(grantee);
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

  /**
   * Lets the grantee read, write, tag and delete under reports/ (REPORTS_BUCKET, and REJECTED_ROWS_TAG, the tag
   * that makes rejected rows expire); see {@link restrictWrites}.
   */
  grantReadWriteReports(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'REPORTS_BUCKET', this.reports.bucketName);
    configure(grantee, 'REJECTED_ROWS_TAG', `${REJECTED_ROWS_TAG.key}=${REJECTED_ROWS_TAG.value}`);
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
    acknowledgePrefixGrant(grantee, bucket.arnForObjects(objects), kind, what, bucket.encryptionKey !== undefined);
    return grant;
  }

  /**
   * Lets the grantee write and delete the calibration weights, weights/ in the curated bucket (`survey weight
   * --lake s3://<curated bucket>`), and read them back: nothing else in the bucket. See {@link restrictWrites},
   * which makes it the only principal that can. The curated bucket is SSE-S3, so no KMS grant is needed.
   */
  grantReadWriteWeights(grantee: iam.IGrantable): iam.Grant {
    configure(grantee, 'CURATED_BUCKET', this.curated.bucketName);
    return this.grantPrefix(
      grantee,
      this.curated,
      WEIGHTS_PREFIX,
      'readWrite',
      'writing the calibration weights of a wave (survey weight)',
    );
  }

  /**
   * Denies object writes, deletes and tag changes in the curated and reports buckets to every principal but
   * `writer` (the ingest function's role), in the buckets' own policies, except weights/ in the curated bucket,
   * which is denied to every principal but `weightsWriter` (the policy analysts' role: `survey weight` is run by
   * people, with a frame they choose, after an ingest). Grants alone would only say who may write today; the deny
   * keeps it true when someone later attaches a broad policy (s3:* on *) to another role, and nobody else can take
   * the expiry tag off rejected rows.
   */
  restrictWrites(writer: iam.IRole, weightsWriter: iam.IRole): void {
    const writes = [
      's3:PutObject',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:PutObjectAcl',
      's3:PutObjectTagging',
      's3:DeleteObjectTagging',
    ];
    const weights = this.curated.arnForObjects(`${WEIGHTS_PREFIX}*`);
    for (const bucket of [this.curated, this.reports]) {
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyIngestWrites',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: writes,
          ...(bucket === this.curated ? { notResources: [weights] } : { resources: [bucket.arnForObjects('*')] }),
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': writer.roleArn } },
        }),
      );
    }
    this.curated.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyWeightsWriterWritesWeights',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: writes,
        resources: [weights],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': weightsWriter.roleArn } },
      }),
    );
  }

  /**
   * Denies putting objects in the raw bucket to every principal but `uploader` (the upload-URL function's role).
   * A presigned PUT acts as the role that signed it, so uploads still work, but only through the upload URL, whose
   * checks (survey, wave, file name, size) nobody can bypass by writing to raw/ directly.
   */
  restrictUploads(uploader: iam.IRole): void {
    this.raw.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyUploadUrlPuts',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject', 's3:PutObjectAcl', 's3:PutObjectTagging'],
        resources: [this.raw.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': uploader.roleArn } },
      }),
    );
  }

  /**
   * Lets each survey's objects in raw/ and reports/ (uploads, reports, rejected rows: personal data) be read only by
   * that survey's research team and by `ingest`, in the buckets' policies: a deny per survey prefix for every other
   * principal, and a deny of everything outside the listed surveys' prefixes to all but `ingest`. As with
   * {@link restrictWrites}, a broad policy attached to some other role later does not open them.
   */
  containPersonalData(ingest: iam.IRole, teams: ReadonlyMap<string, iam.IRole>): void {
    const read = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectAttributes', 's3:GetObjectVersionAttributes'];
    for (const [bucket, prefix] of [
      [this.raw, LAKE_PREFIXES.raw],
      [this.reports, LAKE_PREFIXES.reports],
    ] as const) {
      const surveyObjects = (survey: string) => bucket.arnForObjects(`${prefix}survey=${survey}/*`);
      for (const [survey, team] of teams) {
        bucket.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: `OnlyTeamReads${survey.replace(/[^A-Za-z0-9]/g, '')}`,
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: read,
            resources: [surveyObjects(survey)],
            conditions: { ArnNotEquals: { 'aws:PrincipalArn': [team.roleArn, ingest.roleArn] } },
          }),
        );
      }
      const listed = [...teams.keys()].map(surveyObjects);
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyIngestReadsOtherKeys',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: read,
          ...(listed.length > 0 ? { notResources: listed } : { resources: [bucket.arnForObjects('*')] }),
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': ingest.roleArn } },
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
