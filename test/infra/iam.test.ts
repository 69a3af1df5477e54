import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalId, removeSurveyApps, surveyApp } from './survey-app.ts';

afterAll(removeSurveyApps);

import { ACCOUNT, type Decision, decide, REGION, TemplateIam } from './template-iam.ts';

// Each persona's permissions are evaluated offline: the role's identity policies and the buckets' policies are
// taken from the synthesized template, resolved to concrete ARNs, and run through @cloud-copilot/iam-simulate.

let iam: TemplateIam;
let ids: {
  research: string;
  analyst: string;
  department: string;
  ingest: string;
  query: string;
  export: string;
  uploadUrl: string;
  orgIdKey: string;
  buckets: Record<'raw' | 'curated' | 'reports' | 'exports' | 'athenaResults', string>;
  functions: Record<'query' | 'export' | 'uploadUrl', string>;
};
let workgroupArn: string;

beforeAll(() => {
  const { stack, template } = surveyApp();
  iam = new TemplateIam(template.toJSON() as ConstructorParameters<typeof TemplateIam>[0]);
  const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
  ids = {
    research: id(stack.roles.researchTeam),
    analyst: id(stack.roles.policyAnalyst),
    department: id(stack.roles.department),
    ingest: id(stack.ingest.function.executionRole),
    query: id(stack.functions.query.executionRole),
    export: id(stack.functions.export.executionRole),
    uploadUrl: id(stack.functions.uploadUrl.executionRole),
    orgIdKey: id(stack.ingest.orgIdKey),
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
});

const KEYS = {
  raw: 'raw/survey=uk-se/wave=2023/wave.csv',
  curated: 'curated/survey=uk-se/wave=2023/v20261124T212400Z-3f2a9c1b/part-00000.parquet',
  reports: 'reports/survey=uk-se/wave=2023/report.json',
  exports: 'exports/spinouts_by_sector/20261124T2130Z/spinouts_by_sector.csv',
  athenaResults: 'results/0b7c3e9a-query.csv',
} as const;

type Area = keyof typeof KEYS;
const object = (area: Area) => iam.objectArn(ids.buckets[area], KEYS[area]);
const s3 = (role: string, action: string, area: Area, options?: Parameters<typeof decide>[4]): Promise<Decision> =>
  decide(iam, role, action, object(area), options);
const fn = (name: keyof typeof ids.functions) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${iam.nameOf(ids.functions[name])}`;

describe('a research team', () => {
  it('can upload a wave to raw/', async () => {
    expect(await s3(ids.research, 's3:PutObject', 'raw')).toBe('Allowed');
  });

  it('can read the validation report of its wave', async () => {
    expect(await s3(ids.research, 's3:GetObject', 'reports')).toBe('Allowed');
  });

  it('can ask the upload-url function for a presigned upload', async () => {
    expect(await decide(iam, ids.research, 'lambda:InvokeFunction', fn('uploadUrl'))).toBe('Allowed');
  });

  it('cannot read curated/ nor exports/', async () => {
    expect(await s3(ids.research, 's3:GetObject', 'curated')).not.toBe('Allowed');
    expect(await s3(ids.research, 's3:GetObject', 'exports')).not.toBe('Allowed');
  });

  it('cannot run Athena queries', async () => {
    expect(await decide(iam, ids.research, 'athena:StartQueryExecution', workgroupArn)).not.toBe('Allowed');
  });

  it('cannot write its own report', async () => {
    expect(await s3(ids.research, 's3:PutObject', 'reports')).not.toBe('Allowed');
  });
});

describe('a policy analyst', () => {
  it('can run a query in the workgroup and read its results', async () => {
    expect(await decide(iam, ids.analyst, 'athena:StartQueryExecution', workgroupArn)).toBe('Allowed');
    expect(await decide(iam, ids.analyst, 'athena:GetQueryResults', workgroupArn)).toBe('Allowed');
    expect(await s3(ids.analyst, 's3:PutObject', 'athenaResults')).toBe('Allowed');
    expect(await s3(ids.analyst, 's3:GetObject', 'athenaResults')).toBe('Allowed');
  });

  it('cannot run queries in another workgroup', async () => {
    const primary = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary`;
    expect(await decide(iam, ids.analyst, 'athena:StartQueryExecution', primary)).not.toBe('Allowed');
  });

  it('can read the table definition and curated/', async () => {
    const table = `arn:aws:glue:${REGION}:${ACCOUNT}:table/survey_lake/responses`;
    expect(await decide(iam, ids.analyst, 'glue:GetTable', table)).toBe('Allowed');
    expect(await decide(iam, ids.analyst, 'glue:GetPartitions', table)).toBe('Allowed');
    expect(await s3(ids.analyst, 's3:GetObject', 'curated')).toBe('Allowed');
  });

  it('cannot change a partition of the table', async () => {
    const table = `arn:aws:glue:${REGION}:${ACCOUNT}:table/survey_lake/responses`;
    expect(await decide(iam, ids.analyst, 'glue:UpdatePartition', table)).not.toBe('Allowed');
  });

  it('cannot read raw/, reports/ or exports/', async () => {
    expect(await s3(ids.analyst, 's3:GetObject', 'raw')).not.toBe('Allowed');
    expect(await s3(ids.analyst, 's3:GetObject', 'reports')).not.toBe('Allowed');
    expect(await s3(ids.analyst, 's3:GetObject', 'exports')).not.toBe('Allowed');
  });
});

describe('a department', () => {
  it('can read exports/ and ask the export function for one', async () => {
    expect(await s3(ids.department, 's3:GetObject', 'exports')).toBe('Allowed');
    expect(await decide(iam, ids.department, 'lambda:InvokeFunction', fn('export'))).toBe('Allowed');
  });

  it('cannot read curated/, raw/ or reports/', async () => {
    expect(await s3(ids.department, 's3:GetObject', 'curated')).not.toBe('Allowed');
    expect(await s3(ids.department, 's3:GetObject', 'raw')).not.toBe('Allowed');
    expect(await s3(ids.department, 's3:GetObject', 'reports')).not.toBe('Allowed');
  });

  it('cannot write exports/, run queries or invoke the query function', async () => {
    expect(await s3(ids.department, 's3:PutObject', 'exports')).not.toBe('Allowed');
    expect(await decide(iam, ids.department, 'athena:StartQueryExecution', workgroupArn)).not.toBe('Allowed');
    expect(await decide(iam, ids.department, 'lambda:InvokeFunction', fn('query'))).not.toBe('Allowed');
  });
});

describe('writing curated/ and reports/', () => {
  it('is allowed to the ingest function', async () => {
    expect(await s3(ids.ingest, 's3:PutObject', 'curated')).toBe('Allowed');
    expect(await s3(ids.ingest, 's3:DeleteObject', 'curated')).toBe('Allowed');
    expect(await s3(ids.ingest, 's3:PutObject', 'reports')).toBe('Allowed');
  });

  it('is allowed to no other role in the stack', async () => {
    const others = iam.roles().filter((role) => role !== ids.ingest);
    expect(others).toEqual(
      expect.arrayContaining([ids.research, ids.analyst, ids.department, ids.query, ids.export, ids.uploadUrl]),
    );
    for (const role of others) {
      for (const area of ['curated', 'reports'] as const) {
        expect(await s3(role, 's3:PutObject', area), `${role} putting to ${area}`).not.toBe('Allowed');
      }
    }
  });

  it('is denied by the bucket policy even to a role someone gives s3:* on everything', async () => {
    const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    expect(await s3(ids.analyst, 's3:PutObject', 'curated', { extraIdentityPolicy: everything })).toBe(
      'ExplicitlyDenied',
    );
    expect(await s3(ids.analyst, 's3:GetObject', 'raw', { extraIdentityPolicy: everything })).toBe('Allowed');
  });

  it('is refused without TLS, even to the ingest function', async () => {
    expect(await s3(ids.ingest, 's3:PutObject', 'curated', { secureTransport: false })).toBe('ExplicitlyDenied');
  });
});

describe('the functions', () => {
  it('query in the workgroup but cannot write curated/ or read raw/', async () => {
    for (const role of [ids.query, ids.export]) {
      expect(await decide(iam, role, 'athena:StartQueryExecution', workgroupArn)).toBe('Allowed');
      expect(await s3(role, 's3:GetObject', 'raw')).not.toBe('Allowed');
    }
  });

  it('let only the export function write exports/', async () => {
    expect(await s3(ids.export, 's3:PutObject', 'exports')).toBe('Allowed');
    expect(await s3(ids.query, 's3:PutObject', 'exports')).not.toBe('Allowed');
    expect(await s3(ids.ingest, 's3:PutObject', 'exports')).not.toBe('Allowed');
  });

  it('let the upload-url function presign puts to raw/ only', async () => {
    expect(await s3(ids.uploadUrl, 's3:PutObject', 'raw')).toBe('Allowed');
    expect(await s3(ids.uploadUrl, 's3:GetObject', 'raw')).not.toBe('Allowed');
    expect(await s3(ids.uploadUrl, 's3:PutObject', 'exports')).not.toBe('Allowed');
  });

  it('let the ingest function read raw/ and switch partitions', async () => {
    const table = `arn:aws:glue:${REGION}:${ACCOUNT}:table/survey_lake/responses`;
    expect(await s3(ids.ingest, 's3:GetObject', 'raw')).toBe('Allowed');
    expect(await decide(iam, ids.ingest, 'glue:UpdatePartition', table)).toBe('Allowed');
    expect(await decide(iam, ids.ingest, 'glue:CreatePartition', table)).toBe('Allowed');
  });

  it('let only the ingest function read the org_id key', async () => {
    const secret = iam.resolve({ Ref: ids.orgIdKey }) as string;
    expect(await decide(iam, ids.ingest, 'secretsmanager:GetSecretValue', secret)).toBe('Allowed');
    for (const role of iam.roles().filter((role) => role !== ids.ingest)) {
      expect(await decide(iam, role, 'secretsmanager:GetSecretValue', secret), role).not.toBe('Allowed');
    }
  });
});
