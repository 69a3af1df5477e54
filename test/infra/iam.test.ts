import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalId, removeSurveyApps, surveyApp } from './survey-app.ts';
import { ACCOUNT, type Decision, decide, mayAssume, REGION, TemplateIam } from './template-iam.ts';

afterAll(removeSurveyApps);

// Each persona's permissions are evaluated offline: the role's identity policies and the buckets' policies are
// taken from the synthesized template, resolved to concrete ARNs, and run through @cloud-copilot/iam-simulate.
// The deployment has two surveys, so that each research team's allows are matched by the other team's denials.

const SURVEYS = ['uk-se', 'fr-ess'] as const;
type Survey = (typeof SURVEYS)[number];
const otherThan = (survey: Survey): Survey => (survey === 'uk-se' ? 'fr-ess' : 'uk-se');

type Bucket = 'raw' | 'curated' | 'reports' | 'exports' | 'athenaResults';

let iam: TemplateIam;
let ids: {
  teams: Record<Survey, string>;
  analyst: string;
  department: string;
  ingest: string;
  query: string;
  export: string;
  uploadUrl: string;
  orgIdKey: string;
  personalDataKey: string;
  buckets: Record<Bucket, string>;
  functions: Record<'query' | 'export' | 'uploadUrl', string>;
};
let workgroupArn: string;
let tableArn: string;

beforeAll(() => {
  const { stack, template } = surveyApp({ surveys: [...SURVEYS] });
  iam = new TemplateIam(template.toJSON() as ConstructorParameters<typeof TemplateIam>[0], stack.stackName);
  const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
  const team = (survey: Survey) => id(stack.roles.researchTeams.get(survey)!);
  ids = {
    teams: { 'uk-se': team('uk-se'), 'fr-ess': team('fr-ess') },
    analyst: id(stack.roles.policyAnalyst),
    department: id(stack.roles.department),
    ingest: id(stack.ingest.function.executionRole),
    query: id(stack.functions.query.executionRole),
    export: id(stack.functions.export.executionRole),
    uploadUrl: id(stack.functions.uploadUrl.executionRole),
    orgIdKey: id(stack.ingest.orgIdKey),
    personalDataKey: id(stack.lake.personalDataKey),
    buckets: {
      raw: id(stack.lake.raw),
      curated: id(stack.lake.curated),
      reports: id(stack.lake.reports),
      exports: id(stack.lake.exports),
      athenaResults: id(stack.lake.athenaResults),
    },
    functions: {
      query: id(stack.functions.query),
      export: id(stack.functions.export),
      uploadUrl: id(stack.functions.uploadUrl),
    },
  };
  workgroupArn = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${stack.workgroup.workGroupName}`;
  tableArn = `arn:aws:glue:${REGION}:${ACCOUNT}:table/${stack.catalog.databaseName}/responses`;
});

/** Keys of one survey's objects, as the pipeline writes them (and as issue 13 may nest them under a version). */
const keys = (survey: string) => ({
  upload: `raw/survey=${survey}/wave=2023/wave.csv`,
  report: `reports/survey=${survey}/wave=2023/report.json`,
  rejected: `reports/survey=${survey}/wave=2023/rejected.csv`,
  versionedRejected: `reports/survey=${survey}/wave=2023/v20261124T212400Z-3f2a9c1b/rejected.csv`,
  refusal: `reports/survey=${survey}/wave=2023/refused/20261124T212400Z.json`,
});
const OTHER_KEYS = {
  curated: 'curated/survey=uk-se/wave=2023/v20261124T212400Z-3f2a9c1b/part-00000.parquet',
  weights: 'weights/survey=uk-se/wave=2023/weights.parquet',
  exports: 'exports/spinouts_by_sector/20261124T2130Z/spinouts_by_sector.csv',
  athenaResults: 'results/0b7c3e9a-query.csv',
} as const;

/** The bucket an object key lives in: its first segment (weights/ lives in the curated bucket, beside curated/). */
function bucketOf(key: string): Bucket {
  const prefix = key.slice(0, key.indexOf('/'));
  return prefix === 'results' ? 'athenaResults' : prefix === 'weights' ? 'curated' : (prefix as Bucket);
}
const arnOf = (key: string) => iam.objectArn(ids.buckets[bucketOf(key)], key);
const s3 = (role: string, action: string, key: string, options?: Parameters<typeof decide>[4]): Promise<Decision> =>
  decide(iam, role, action, arnOf(key), options);
const list = (role: string, bucket: Bucket, prefix: string) =>
  decide(iam, role, 's3:ListBucket', iam.objectArn(ids.buckets[bucket], ''), { context: { 's3:prefix': prefix } });
const fn = (name: keyof typeof ids.functions, qualifier?: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${iam.nameOf(ids.functions[name])}${qualifier ? `:${qualifier}` : ''}`;
const keyArn = () => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${ids.personalDataKey}`;

/** A policy someone might attach later: everything in S3. Bucket policies must still hold. */
const EVERYTHING = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };

describe.each(SURVEYS)('the research team of %s', (survey) => {
  const own = keys(survey);
  const theirs = keys(otherThan(survey));
  const team = () => ids.teams[survey];

  it('reads its own uploads, reports and rejected rows, wherever under its survey they are nested', async () => {
    for (const key of Object.values(own)) expect(await s3(team(), 's3:GetObject', key), key).toBe('Allowed');
  });

  it("cannot read another survey's uploads, reports or rejected rows, not even with s3:* attached", async () => {
    for (const key of Object.values(theirs)) {
      expect(await s3(team(), 's3:GetObject', key), key).toBe('ExplicitlyDenied');
      expect(await s3(team(), 's3:GetObject', key, { extraIdentityPolicy: EVERYTHING }), key).toBe('ExplicitlyDenied');
    }
  });

  it("lists its own survey's prefixes and no other", async () => {
    expect(await list(team(), 'raw', `raw/survey=${survey}/`)).toBe('Allowed');
    expect(await list(team(), 'reports', `reports/survey=${survey}/wave=2023/`)).toBe('Allowed');
    expect(await list(team(), 'reports', `reports/survey=${otherThan(survey)}/`)).not.toBe('Allowed');
    expect(await list(team(), 'reports', 'reports/')).not.toBe('Allowed');
    expect(await list(team(), 'raw', '')).not.toBe('Allowed');
  });

  it("reads the live-version pointers of its own survey's waves (survey report reads through them), no other", async () => {
    expect(await s3(team(), 's3:GetObject', `curated/survey=${survey}/wave=2023/_current.json`)).toBe('Allowed');
    expect(await s3(team(), 's3:GetObject', `curated/survey=${otherThan(survey)}/wave=2023/_current.json`)).not.toBe(
      'Allowed',
    );
    expect(
      await s3(
        team(),
        's3:GetObject',
        `curated/survey=${survey}/wave=2023/v20261124T212400Z-3f2a9c1b/part-00000.parquet`,
      ),
    ).not.toBe('Allowed');
  });

  it('decrypts with the personal-data key, which its buckets are encrypted under', async () => {
    expect(await decide(iam, team(), 'kms:Decrypt', keyArn())).toBe('Allowed');
  });

  it('uploads only through its own survey alias of the upload-url function', async () => {
    expect(await decide(iam, team(), 'lambda:InvokeFunction', fn('uploadUrl', survey))).toBe('Allowed');
    for (const qualifier of [otherThan(survey), undefined, '$LATEST', '1']) {
      expect(await decide(iam, team(), 'lambda:InvokeFunction', fn('uploadUrl', qualifier)), qualifier).not.toBe(
        'Allowed',
      );
    }
  });

  it('cannot put a file in raw/ directly, its own prefix included, not even with s3:* attached', async () => {
    expect(await s3(team(), 's3:PutObject', own.upload)).toBe('ExplicitlyDenied');
    expect(await s3(team(), 's3:PutObject', own.upload, { extraIdentityPolicy: EVERYTHING })).toBe('ExplicitlyDenied');
    expect(await s3(team(), 's3:PutObject', theirs.upload, { extraIdentityPolicy: EVERYTHING })).toBe(
      'ExplicitlyDenied',
    );
  });

  it('cannot write or untag its own reports, read curated/ or exports/, nor run queries', async () => {
    expect(await s3(team(), 's3:PutObject', own.report)).not.toBe('Allowed');
    expect(await s3(team(), 's3:DeleteObjectTagging', own.rejected, { extraIdentityPolicy: EVERYTHING })).toBe(
      'ExplicitlyDenied',
    );
    expect(await s3(team(), 's3:GetObject', OTHER_KEYS.curated)).not.toBe('Allowed');
    expect(await s3(team(), 's3:GetObject', OTHER_KEYS.exports)).not.toBe('Allowed');
    expect(await decide(iam, team(), 'athena:StartQueryExecution', workgroupArn)).not.toBe('Allowed');
    expect(await decide(iam, team(), 'lambda:InvokeFunction', fn('query'))).not.toBe('Allowed');
  });
});

describe('the user roles', () => {
  it('can be assumed with MFA and not without', async () => {
    for (const role of [...Object.values(ids.teams), ids.analyst, ids.department]) {
      expect(await mayAssume(iam, role, { mfa: true }), role).toBe('Allowed');
      expect(await mayAssume(iam, role, { mfa: false }), role).not.toBe('Allowed');
    }
  });

  it('leave the function roles to Lambda alone', async () => {
    expect(await mayAssume(iam, ids.ingest, { mfa: true })).not.toBe('Allowed');
  });
});

describe('a policy analyst', () => {
  it('can run a query in the workgroup and read its results', async () => {
    expect(await decide(iam, ids.analyst, 'athena:StartQueryExecution', workgroupArn)).toBe('Allowed');
    expect(await decide(iam, ids.analyst, 'athena:GetQueryResults', workgroupArn)).toBe('Allowed');
    expect(await s3(ids.analyst, 's3:PutObject', OTHER_KEYS.athenaResults)).toBe('Allowed');
    expect(await s3(ids.analyst, 's3:GetObject', OTHER_KEYS.athenaResults)).toBe('Allowed');
  });

  it('cannot run queries in another workgroup', async () => {
    const primary = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary`;
    expect(await decide(iam, ids.analyst, 'athena:StartQueryExecution', primary)).not.toBe('Allowed');
  });

  it('can read the table definition and curated/', async () => {
    expect(await decide(iam, ids.analyst, 'glue:GetTable', tableArn)).toBe('Allowed');
    expect(await decide(iam, ids.analyst, 'glue:GetPartitions', tableArn)).toBe('Allowed');
    expect(await s3(ids.analyst, 's3:GetObject', OTHER_KEYS.curated)).toBe('Allowed');
  });

  it('can read the weights table and the weights, as the weighted saved queries need', async () => {
    // The query and export functions read them too, and write them never (see "writing the calibration weights").
    for (const role of [ids.analyst, ids.query, ids.export]) {
      expect(await decide(iam, role, 'glue:GetTable', tableArn.replace(/responses$/, 'weights'))).toBe('Allowed');
      expect(await s3(role, 's3:GetObject', OTHER_KEYS.weights)).toBe('Allowed');
    }
  });

  it('cannot change a partition of the table', async () => {
    expect(await decide(iam, ids.analyst, 'glue:UpdatePartition', tableArn)).not.toBe('Allowed');
  });

  it('cannot read any survey’s uploads, reports or rejected rows, nor exports/, nor use the personal-data key', async () => {
    for (const survey of SURVEYS) {
      for (const key of Object.values(keys(survey))) {
        expect(await s3(ids.analyst, 's3:GetObject', key), key).not.toBe('Allowed');
      }
    }
    expect(await s3(ids.analyst, 's3:GetObject', OTHER_KEYS.exports)).not.toBe('Allowed');
    expect(await decide(iam, ids.analyst, 'kms:Decrypt', keyArn())).not.toBe('Allowed');
  });
});

describe('a department', () => {
  it('can read exports/ and ask the export function for one', async () => {
    expect(await s3(ids.department, 's3:GetObject', OTHER_KEYS.exports)).toBe('Allowed');
    expect(await decide(iam, ids.department, 'lambda:InvokeFunction', fn('export'))).toBe('Allowed');
  });

  it('cannot read curated/, raw/ or reports/', async () => {
    expect(await s3(ids.department, 's3:GetObject', OTHER_KEYS.curated)).not.toBe('Allowed');
    expect(await s3(ids.department, 's3:GetObject', keys('uk-se').upload)).not.toBe('Allowed');
    expect(await s3(ids.department, 's3:GetObject', keys('uk-se').rejected)).not.toBe('Allowed');
  });

  it('cannot write exports/, run queries or invoke the query function', async () => {
    expect(await s3(ids.department, 's3:PutObject', OTHER_KEYS.exports)).not.toBe('Allowed');
    expect(await decide(iam, ids.department, 'athena:StartQueryExecution', workgroupArn)).not.toBe('Allowed');
    expect(await decide(iam, ids.department, 'lambda:InvokeFunction', fn('query'))).not.toBe('Allowed');
  });
});

describe('personal data in raw/ and reports/', () => {
  it('is read by the ingest function for every survey, rejected rows included', async () => {
    for (const survey of SURVEYS) {
      for (const key of Object.values(keys(survey)))
        expect(await s3(ids.ingest, 's3:GetObject', key), key).toBe('Allowed');
    }
    expect(await decide(iam, ids.ingest, 'kms:Decrypt', keyArn())).toBe('Allowed');
  });

  it('is refused to every other role of the stack, even one someone gives s3:* on everything', async () => {
    const teams = new Set(Object.values(ids.teams));
    const others = iam.roles().filter((role) => role !== ids.ingest && !teams.has(role));
    expect(others).toEqual(expect.arrayContaining([ids.analyst, ids.department, ids.query, ids.export, ids.uploadUrl]));
    for (const role of others) {
      for (const key of [keys('uk-se').rejected, keys('fr-ess').upload]) {
        expect(await s3(role, 's3:GetObject', key, { extraIdentityPolicy: EVERYTHING }), `${role} ${key}`).toBe(
          'ExplicitlyDenied',
        );
      }
    }
  });

  it('of a survey without a team of its own is readable by the ingest function alone', async () => {
    const { stack, template } = surveyApp({ surveys: 'uk-se' });
    const oneTeam = new TemplateIam(template.toJSON() as ConstructorParameters<typeof TemplateIam>[0], stack.stackName);
    const ukTeam = logicalId(stack, stack.roles.researchTeams.get('uk-se')!);
    const ingest = logicalId(stack, stack.ingest.function.executionRole);
    const rejected = oneTeam.objectArn(logicalId(stack, stack.lake.reports), keys('fr-ess').rejected);
    expect(await decide(oneTeam, ingest, 's3:GetObject', rejected)).toBe('Allowed');
    expect(await decide(oneTeam, ukTeam, 's3:GetObject', rejected, { extraIdentityPolicy: EVERYTHING })).toBe(
      'ExplicitlyDenied',
    );
  });

  it('may be tagged for expiry by the ingest function alone', async () => {
    expect(await s3(ids.ingest, 's3:PutObjectTagging', keys('uk-se').rejected)).toBe('Allowed');
    expect(
      await s3(ids.analyst, 's3:PutObjectTagging', keys('uk-se').rejected, { extraIdentityPolicy: EVERYTHING }),
    ).toBe('ExplicitlyDenied');
  });
});

describe('raw/', () => {
  it('takes puts from the upload-url function, which presigns them, for any survey', async () => {
    for (const survey of SURVEYS) expect(await s3(ids.uploadUrl, 's3:PutObject', keys(survey).upload)).toBe('Allowed');
    expect(await decide(iam, ids.uploadUrl, 'kms:GenerateDataKey', keyArn())).toBe('Allowed');
  });

  it('refuses puts from every other role of the stack, even one someone gives s3:* on everything', async () => {
    for (const role of iam.roles().filter((role) => role !== ids.uploadUrl)) {
      expect(await s3(role, 's3:PutObject', keys('uk-se').upload, { extraIdentityPolicy: EVERYTHING }), role).toBe(
        'ExplicitlyDenied',
      );
    }
  });
});

describe('writing curated/ and reports/', () => {
  it('is allowed to the ingest function', async () => {
    expect(await s3(ids.ingest, 's3:PutObject', OTHER_KEYS.curated)).toBe('Allowed');
    expect(await s3(ids.ingest, 's3:DeleteObject', OTHER_KEYS.curated)).toBe('Allowed');
    expect(await s3(ids.ingest, 's3:PutObject', keys('uk-se').report)).toBe('Allowed');
  });

  it('is allowed to no other role in the stack', async () => {
    const others = iam.roles().filter((role) => role !== ids.ingest);
    expect(others).toEqual(
      expect.arrayContaining([...Object.values(ids.teams), ids.analyst, ids.department, ids.query, ids.export]),
    );
    for (const role of others) {
      for (const key of [OTHER_KEYS.curated, keys('uk-se').report]) {
        expect(await s3(role, 's3:PutObject', key), `${role} putting ${key}`).not.toBe('Allowed');
      }
    }
  });

  it('is denied by the bucket policy even to a role someone gives s3:* on everything', async () => {
    expect(await s3(ids.analyst, 's3:PutObject', OTHER_KEYS.curated, { extraIdentityPolicy: EVERYTHING })).toBe(
      'ExplicitlyDenied',
    );
    expect(await s3(ids.analyst, 's3:GetObject', OTHER_KEYS.exports, { extraIdentityPolicy: EVERYTHING })).toBe(
      'Allowed',
    );
  });

  it('is refused without TLS, even to the ingest function', async () => {
    expect(await s3(ids.ingest, 's3:PutObject', OTHER_KEYS.curated, { secureTransport: false })).toBe(
      'ExplicitlyDenied',
    );
  });
});

describe('writing the calibration weights (weights/ in the curated bucket)', () => {
  // This used to be refused to the analyst like every other write to the curated bucket, which left a deployed
  // stack with no writer of weights: the weighted queries could only answer "no calibration weights". Weighting
  // is an analyst's act (survey weight --lake s3://<curated bucket>), so the analyst is now its one writer.
  const weightKeys = [OTHER_KEYS.weights, 'weights/survey=fr-ess/wave=2024/_weights.json'];

  it('is allowed to the policy analyst: put, multipart and delete, with no KMS key (the bucket is SSE-S3)', async () => {
    for (const key of weightKeys) {
      for (const action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject']) {
        expect(await s3(ids.analyst, action, key), `${action} ${key}`).toBe('Allowed');
      }
    }
    expect(await list(ids.analyst, 'curated', 'weights/survey=uk-se/')).toBe('Allowed');
  });

  it('gives the analyst nothing else in the curated bucket: not curated/, not its pointers, not another prefix', async () => {
    for (const key of [
      OTHER_KEYS.curated,
      'curated/survey=uk-se/wave=2023/_current.json',
      'weightsx/survey=uk-se/wave=2023/weights.parquet',
      'other/weights/survey=uk-se/wave=2023/weights.parquet',
    ]) {
      const arn = iam.objectArn(ids.buckets.curated, key);
      for (const action of ['s3:PutObject', 's3:DeleteObject']) {
        expect(await decide(iam, ids.analyst, action, arn), `${action} ${key}`).not.toBe('Allowed');
        expect(
          await decide(iam, ids.analyst, action, arn, { extraIdentityPolicy: EVERYTHING }),
          `${action} ${key}`,
        ).toBe('ExplicitlyDenied');
      }
    }
  });

  it("is granted by the analyst's own policies under weights/ only, so the bucket policy is a second fence", () => {
    const curated = iam.objectArn(ids.buckets.curated, '');
    const writes = iam
      .identityPolicies(ids.analyst)
      .flatMap(
        ({ policy }) =>
          policy.Statement as { Effect: string; Action: string | string[]; Resource: string | string[] }[],
      )
      .filter((statement) => [statement.Action].flat().some((action) => /^s3:(Put|Delete)/.test(action)))
      .flatMap((statement) => [statement.Resource].flat())
      // object keys only: CDK lists the bucket ARN beside them for its List*, where object writes mean nothing
      .filter((resource) => resource.startsWith(`${curated}/`));
    expect(writes).toEqual([`${curated}/weights/*`]);
  });

  it('is refused to every other role of the stack, the ingest function included, even with s3:* attached', async () => {
    const others = iam.roles().filter((role) => role !== ids.analyst);
    expect(others).toEqual(
      expect.arrayContaining([...Object.values(ids.teams), ids.department, ids.ingest, ids.query, ids.export]),
    );
    for (const role of others) {
      for (const action of ['s3:PutObject', 's3:DeleteObject']) {
        expect(await s3(role, action, OTHER_KEYS.weights), `${role} ${action}`).not.toBe('Allowed');
        expect(
          await s3(role, action, OTHER_KEYS.weights, { extraIdentityPolicy: EVERYTHING }),
          `${role} ${action}`,
        ).toBe('ExplicitlyDenied');
      }
    }
  });

  it('is refused without TLS, even to the analyst', async () => {
    expect(await s3(ids.analyst, 's3:PutObject', OTHER_KEYS.weights, { secureTransport: false })).toBe(
      'ExplicitlyDenied',
    );
  });

  it('needs no catalog write: the weights table is projected, and the analyst cannot change partitions', async () => {
    const weightsTable = tableArn.replace(/responses$/, 'weights');
    expect(await decide(iam, ids.analyst, 'glue:GetTable', weightsTable)).toBe('Allowed');
    for (const action of ['glue:CreatePartition', 'glue:UpdatePartition', 'glue:UpdateTable']) {
      expect(await decide(iam, ids.analyst, action, weightsTable), action).not.toBe('Allowed');
    }
  });
});

describe('the functions', () => {
  it('query in the workgroup but cannot write curated/ or read raw/', async () => {
    for (const role of [ids.query, ids.export]) {
      expect(await decide(iam, role, 'athena:StartQueryExecution', workgroupArn)).toBe('Allowed');
      expect(await s3(role, 's3:GetObject', keys('uk-se').upload)).not.toBe('Allowed');
    }
  });

  it('let only the export function write exports/', async () => {
    expect(await s3(ids.export, 's3:PutObject', OTHER_KEYS.exports)).toBe('Allowed');
    expect(await s3(ids.query, 's3:PutObject', OTHER_KEYS.exports)).not.toBe('Allowed');
    expect(await s3(ids.ingest, 's3:PutObject', OTHER_KEYS.exports)).not.toBe('Allowed');
  });

  it('let the upload-url function presign puts to raw/ only', async () => {
    expect(await s3(ids.uploadUrl, 's3:GetObject', keys('uk-se').upload)).not.toBe('Allowed');
    expect(await s3(ids.uploadUrl, 's3:PutObject', OTHER_KEYS.exports)).not.toBe('Allowed');
  });

  it('let the ingest function read raw/ and switch partitions', async () => {
    expect(await s3(ids.ingest, 's3:GetObject', keys('fr-ess').upload)).toBe('Allowed');
    expect(await decide(iam, ids.ingest, 'glue:UpdatePartition', tableArn)).toBe('Allowed');
    expect(await decide(iam, ids.ingest, 'glue:CreatePartition', tableArn)).toBe('Allowed');
  });

  it('let only the ingest function read the org_id key', async () => {
    const secret = iam.resolve({ Ref: ids.orgIdKey }) as string;
    expect(await decide(iam, ids.ingest, 'secretsmanager:GetSecretValue', secret)).toBe('Allowed');
    for (const role of iam.roles().filter((role) => role !== ids.ingest)) {
      expect(await decide(iam, role, 'secretsmanager:GetSecretValue', secret), role).not.toBe('Allowed');
    }
  });
});
