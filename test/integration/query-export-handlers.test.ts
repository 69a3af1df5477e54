// The query and export Lambda handlers end to end, offline. Athena cannot run here, so the Athena client is
// stubbed with aws-sdk-client-mock (the one stand-in this project accepts) — and the stub answers as Athena
// would, with string cells and pages, by running the very SQL and ExecutionParameters it received on real
// DuckDB over a lake ingested by the real pipeline. Exports go to a real S3-compatible server (s3rver) and
// their presigned URLs are fetched.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type Row,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AthenaEngine } from '../../core/engine/athena-engine.ts';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { exportQuery } from '../../core/export/index.ts';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { listWavePointers } from '../../core/lake.ts';
import { DynamoLakeLocks } from '../../core/lock/dynamodb-lock.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { createExportHandler, type ExportResponse } from '../../functions/export.ts';
import { lakeStorage } from '../../functions/lib/lake.ts';
import { presignDownload } from '../../functions/lib/presign.ts';
import { createQueryHandler } from '../../functions/query.ts';
import { type LocalDynamo, startLocalDynamo } from '../helpers/dynalite.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

// The handlers' Powertools log lines (ingest-handler.test.ts checks them) would only clutter this file's output.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const ORG_KEY = 'query-export-test-key';
const NOW = new Date('2026-03-02T10:20:30.456Z');
const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

let work: string;
let local: LocalStorage;
let s3: LocalS3;
let dynamo: LocalDynamo;
let lake: Storage;
let duck: { instance: DuckDBInstance; connection: DuckDBConnection };
const athenaClient = new AthenaClient({ region: 'eu-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const athena = mockClient(athenaClient);
/** Makes the next query fail as Athena reports a failure. */
let failWith: string | undefined;

/** Athena's ExecutionParameters are SQL literals: a quoted string or a number. */
function fromLiteral(literal: string): string | number {
  return literal.startsWith("'") ? literal.slice(1, -1).replaceAll("''", "'") : Number(literal);
}

/** Athena's text form of a cell; null is a Data entry without a value. */
function toDatum(value: unknown): { VarCharValue?: string } {
  if (value === null || value === undefined) return {};
  return { VarCharValue: value instanceof Date ? value.toISOString() : String(value) };
}

/** The stand-in for Athena: SQL + parameters → DuckDB over the local lake → header row + string rows, in pages. */
function emulateAthena(): void {
  const queries = new Map<string, { sql: string; params: (string | number)[]; polls: number; failure?: string }>();
  const results = new Map<string, Row[]>();
  athena.on(StartQueryExecutionCommand).callsFake((input) => {
    const id = `q-${queries.size + 1}`;
    queries.set(id, {
      sql: input.QueryString,
      params: (input.ExecutionParameters ?? []).map(fromLiteral),
      polls: 0,
      failure: failWith,
    });
    failWith = undefined;
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake((input) => {
    const query = queries.get(input.QueryExecutionId)!;
    query.polls += 1;
    // RUNNING once, so the engine polls; then the outcome.
    if (query.polls === 1) return { QueryExecution: { Status: { State: 'RUNNING' } } };
    if (query.failure)
      return { QueryExecution: { Status: { State: 'FAILED', AthenaError: { ErrorMessage: query.failure } } } };
    return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
  });
  athena.on(GetQueryResultsCommand).callsFake(async (input) => {
    const id = input.QueryExecutionId!;
    let rows = results.get(id);
    if (!rows) {
      const query = queries.get(id)!;
      const statement = await duck.connection.prepare(query.sql);
      query.params.forEach((value, i) => {
        if (typeof value === 'string') statement.bindVarchar(i + 1, value);
        else if (Number.isSafeInteger(value)) statement.bindInteger(i + 1, value);
        else statement.bindDouble(i + 1, value);
      });
      const reader = await statement.runAndReadAll();
      rows = [
        { Data: reader.columnNames().map((name) => ({ VarCharValue: name })) },
        ...reader.getRowsJS().map((values) => ({ Data: values.map(toDatum) })),
      ];
      results.set(id, rows);
    }
    // Small pages, so every result of more than a few rows is read across several.
    const pageSize = 5;
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const next = start + pageSize < rows.length ? String(start + pageSize) : undefined;
    return { ResultSet: { Rows: rows.slice(start, start + pageSize) }, NextToken: next };
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'query-export-'));
  local = new LocalStorage(join(work, 'lake'));
  for (const [wave, seed] of [
    [2022, 21],
    [2023, 22],
  ] as const) {
    const csv = join(work, `uk-se-${wave}.csv`);
    await generateWave({ survey: 'uk-se', wave, rows: 600, seed, orgKey: ORG_KEY }, csv);
    await ingestWave({
      storage: local,
      input: createReadStream(csv),
      survey: 'uk-se',
      wave,
      sourceFile: `raw/survey=uk-se/wave=${wave}/uk-se-${wave}.csv`,
      orgKey: ORG_KEY,
      now: NOW,
    });
  }
  // The curated bucket holds what the ingest committed: the handlers read its wave pointers from S3.
  s3 = await startLocalS3(['curated', 'exports']);
  dynamo = await startLocalDynamo();
  lake = lakeStorage(s3.client, { CURATED_BUCKET: 'curated', EXPORTS_BUCKET: 'exports' });
  for (const key of await local.list('curated/')) await lake.put(key, await readFile(local.localPath(key)!));

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const selects = (await listWavePointers(local)).map((pointer) => {
    const files = pointer.files.map((key) => `'${local.localPath(key)}'`).join(', ');
    return `select '${pointer.survey}' as survey, ${pointer.wave} as wave, * from read_parquet([${files}], hive_partitioning = false)`;
  });
  await connection.run(`create view responses as ${selects.join(' union all ')}`);
  duck = { instance, connection };
  emulateAthena();
}, 60_000);

afterEach(() => {
  athena.resetHistory();
  failWith = undefined;
});

afterAll(async () => {
  duck.connection.closeSync();
  duck.instance.closeSync();
  athena.restore();
  await s3.close();
  await dynamo.close();
  await rm(work, { recursive: true, force: true });
});

const engine = () => new AthenaEngine(athenaClient, { workgroup: 'survey', database: 'survey', sleep: async () => {} });
const queryHandler = createQueryHandler(() => ({ engine: engine(), lake }));
// The same function answers bulletin requests (test/integration/bulletin-handler.test.ts); these are exports.
const exportHandlerAt = (now: Date) =>
  createExportHandler(() => ({
    engine: engine(),
    lake,
    locks: new DynamoLakeLocks(dynamo.client, dynamo.table),
    presign: (key) => presignDownload(s3.client, 'exports', key, 900),
    now: () => now,
  })) as unknown as (event: unknown, context: Context) => Promise<ExportResponse>;
const exportHandler = exportHandlerAt(NOW);

/** What the embedded engine answers for the same saved query on the same lake. */
async function onDuckDb(name: string, params: Record<string, string>) {
  const duckdb = await DuckDbEngine.open(local);
  try {
    return await runSavedQuery(duckdb, name, params);
  } finally {
    await duckdb.close();
  }
}

describe('the query handler', () => {
  it('answers a saved query with the rows the embedded engine gives for the same lake', async () => {
    const response = await queryHandler(
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 } },
      context,
    );
    const expected = await onDuckDb('spinouts_by_sector', { survey: 'uk-se', wave: '2023' });
    expect(response.name).toBe('spinouts_by_sector');
    expect(response.rows.length).toBeGreaterThan(5);
    // More rows than one page of the stand-in: the engine read them across pages.
    expect(athena.commandCalls(GetQueryResultsCommand).length).toBeGreaterThan(1);
    expect({ columns: response.columns, rows: response.rows }).toEqual(expected);
  });

  it('binds the parameters as ExecutionParameters and sends the saved SQL unchanged', async () => {
    await queryHandler({ name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: '2022' } }, context);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input.ExecutionParameters).toEqual(["'uk-se'", '2022']);
    expect(input.QueryString).toBe(await readFile('queries/spinouts_by_sector.sql', 'utf8'));
    expect(input.WorkGroup).toBe('survey');
  });

  it('answers a panel query across two waves, equal to the embedded engine', async () => {
    const params = { survey: 'uk-se', from_wave: '2022', to_wave: '2023' };
    const response = await queryHandler({ name: 'panel_growth', params }, context);
    expect({ columns: response.columns, rows: response.rows }).toEqual(await onDuckDb('panel_growth', params));
  });

  it('refuses a wave that was never ingested by name, before Athena runs anything', async () => {
    const request = { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2019 } };
    await expect(queryHandler(request, context)).rejects.toThrow(
      'query: spinouts_by_sector: wave 2019 of survey uk-se was never ingested; waves in the lake: 2022, 2023',
    );
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it.each([
    [{ name: 'no_such_query', params: {} }, /^queries: unknown saved query "no_such_query"; expected one of /],
    [{ name: 'spinouts_by_sector', params: { survey: 'uk-se' } }, /needs parameter wave/],
    [{ name: 'spinouts_by_sector', params: { survey: 'xx', wave: 2023 } }, /parameter survey must be a survey id/],
    [{ name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023, extra: 1 } }, /has no parameter "extra"/],
    [{ name: 'DROP TABLE', params: {} }, /^query: name: expected a saved query name .*; got "DROP TABLE"$/],
    [{ name: 'wave_summary', params: { survey: ['uk-se'] } }, /^query: params\.survey: .*; got "\[\\"uk-se\\"\]"$/],
    [{ name: 'wave_summary', params: {}, sql: 'select 1' }, /^query: request: .*sql/],
  ])('refuses the bad request %j with one line', async (request, message) => {
    await expect(queryHandler(request, context)).rejects.toThrow(message);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it("passes on Athena's own failure reason", async () => {
    failWith = 'TABLE_NOT_FOUND: line 3:6: Table awsdatacatalog.survey.responses does not exist';
    const request = { name: 'wave_summary', params: { survey: 'uk-se' } };
    await expect(queryHandler(request, context)).rejects.toThrow(/failed: TABLE_NOT_FOUND: .*does not exist/);
  });
});

describe('the export handler', () => {
  it('writes a CSV export and its data package to exports/ and presigns a download of the same bytes', async () => {
    const response = await exportHandler(
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 }, format: 'csv' },
      context,
    );
    expect(response.key).toBe('exports/spinouts_by_sector/20260302T102030456Z/spinouts_by_sector.csv');
    expect(response.dataPackageKey).toBe('exports/spinouts_by_sector/20260302T102030456Z/datapackage.json');

    // The same export on the embedded engine, to a local folder.
    const duckdb = await DuckDbEngine.open(local);
    const out = join(work, 'local-export', 'spinouts_by_sector.csv');
    const summary = await exportQuery({
      engine: duckdb,
      lake: local,
      name: 'spinouts_by_sector',
      params: { survey: 'uk-se', wave: '2023' },
      out,
      now: NOW,
    });
    await duckdb.close();
    expect(response.counts).toEqual(summary.counts);
    expect(response.rows).toBe(summary.rows);
    // Recorded in the release ledger beside the exports.
    expect(response.ledgerKey).toMatch(
      /^exports\/_ledger\/survey=uk-se\/20260302T102030456Z-spinouts_by_sector-[0-9a-f]{8}\.json$/,
    );
    const record = JSON.parse((await lake.getText(response.ledgerKey))!);
    expect(record).toMatchObject({
      query: 'spinouts_by_sector',
      survey: 'uk-se',
      file: expect.stringContaining(response.key),
    });
    expect(response.counts.threshold + response.counts.dominance).toBeGreaterThan(0);

    const download = await fetch(response.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="spinouts_by_sector.csv"');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.equals(await readFile(out))).toBe(true);
    expect(bytes.length).toBe(response.bytes);
    expect(new URL(response.url).searchParams.get('X-Amz-Expires')).toBe('900');
    expect(Date.parse(response.expiresAt) - Date.now()).toBeGreaterThan(890_000);

    const dataPackage = JSON.parse((await lake.getText(response.dataPackageKey))!);
    expect(dataPackage).toEqual(JSON.parse(await readFile(join(work, 'local-export', 'datapackage.json'), 'utf8')));
  });

  it('adds an XLSX of the same moment beside a CSV, both described in one data package', async () => {
    const at = exportHandlerAt(new Date('2026-03-03T08:00:00.000Z'));
    const request = { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 } };
    const csv = await at({ ...request, format: 'csv' }, context);
    const response = await at({ ...request, format: 'xlsx', threshold: 10, p: 20 }, context);
    expect(response.key).toBe('exports/spinouts_by_sector/20260303T080000000Z/spinouts_by_sector.xlsx');
    expect(response.dataPackageKey).toBe(csv.dataPackageKey);
    expect(response.rules).toEqual({ threshold: 10, p: 20 });
    const download = await fetch(response.url);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    const stored = Buffer.concat(await (await lake.get(response.key)).toArray());
    expect(bytes.equals(stored)).toBe(true);
    const dataPackage = JSON.parse((await lake.getText(response.dataPackageKey))!);
    expect(dataPackage.resources.map((resource: { path: string }) => resource.path).sort()).toEqual([
      'spinouts_by_sector.csv',
      'spinouts_by_sector.xlsx',
    ]);
  });

  it('writes a JSON export whose download is the stored document', async () => {
    const body: ExportResponse = await exportHandler(
      { name: 'wave_summary', params: { survey: 'uk-se' }, format: 'json', total: false },
      context,
    );
    expect(body.key).toMatch(/^exports\/wave_summary\/20260302T102030456Z\/wave_summary\.json$/);
    const document = await (await fetch(body.url)).json();
    expect(document).toEqual(JSON.parse((await lake.getText(body.key))!));
  });

  it.each([
    [
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 }, format: 'pdf' },
      /^export: format: .*; got "pdf"$/,
    ],
    [
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 }, format: 'csv', threshold: 0 },
      /^export: threshold: .*; got "0"$/,
    ],
    [
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 }, format: 'csv', p: 0 },
      /^export: p: .*above 0.*; got "0"$/,
    ],
    [
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 }, format: 'csv', threshold: 3 },
      /^disclosure: threshold 3 is laxer than the deployment's 5; a request may only make the rules stricter$/,
    ],
    [
      { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2019 }, format: 'csv' },
      /wave 2019 .*never ingested/,
    ],
  ])('refuses the bad request %j with one line and writes nothing', async (request, message) => {
    const before = await lake.list('exports/');
    await expect(exportHandler(request, context)).rejects.toThrow(message);
    expect(await lake.list('exports/')).toEqual(before);
  });
});

/** Bundles a handler as the deployment does (one ESM file), optionally with queries/ copied beside it. */
async function bundle(entry: string, withQueries: boolean): Promise<string> {
  const dir = await mkdtemp(join(work, 'bundle-'));
  const outfile = join(dir, 'index.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  if (withQueries) await cp('queries', join(dir, 'queries'), { recursive: true });
  return outfile;
}

/** Imports a bundle in a fresh process with the function's environment and invokes its handler once. */
function invokeBundle(outfile: string, event: unknown): string {
  const script = `const { handler } = await import(${JSON.stringify(outfile)});
try { await handler(${JSON.stringify(event)}, { awsRequestId: 'r' }); console.log('ok'); }
catch (error) { console.log(error.message); }`;
  const env = {
    ATHENA_WORKGROUP: 'wg',
    ATHENA_WAIT_SECONDS: '90',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    GLUE_DATABASE: 'survey',
    CURATED_BUCKET: 'curated-bucket',
    AWS_REGION: 'eu-west-2',
  };
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...env },
    cwd: tmpdir(),
  }).trim();
}

describe('the modules as Lambda loads them', () => {
  it('find the saved queries copied beside the bundle, and say where they looked when they are not', async () => {
    const event = { name: 'no_such_query', params: {} };
    const deployed = await bundle('functions/query.ts', true);
    expect(invokeBundle(deployed, event)).toMatch(
      /^queries: unknown saved query "no_such_query"; expected one of governance_and_value, .*wave_summary$/,
    );
    const bare = await bundle('functions/query.ts', false);
    expect(invokeBundle(bare, event)).toMatch(/^queries: cannot list the saved queries in \/.*ENOENT/);
  }, 60_000);

  it('load the HiGHS solver from the highs package copied beside the bundle, as the export function is deployed', async () => {
    // The export function's own loader (core/disclosure/solver.ts), bundled as infra/ bundles it: `highs` left out of
    // the bundle (nativeModules) and its package folder copied into the bundle's node_modules.
    const dir = await mkdtemp(join(work, 'solver-bundle-'));
    const entry = join(dir, 'entry.ts');
    await writeFile(
      entry,
      `import { loadSolver, solverName } from ${JSON.stringify(join(process.cwd(), 'core/disclosure/index.ts'))};\n` +
        'console.log(solverName(await loadSolver()));\n',
    );
    const outfile = join(dir, 'index.mjs');
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['highs'],
      logLevel: 'error',
    });
    const run = () =>
      execFileSync(process.execPath, [outfile], {
        encoding: 'utf8',
        cwd: tmpdir(),
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    expect(run).toThrow(/Cannot find package 'highs'/);
    await cp('node_modules/highs', join(dir, 'node_modules', 'highs'), { recursive: true });
    expect(run()).toMatch(/^HiGHS \d+\.\d+\.\d+$/);
  }, 60_000);

  it('import without their environment and name the missing key on the first call', async () => {
    const saved = process.env.ATHENA_WORKGROUP;
    delete process.env.ATHENA_WORKGROUP;
    try {
      const { handler: query } = await import('../../functions/query.ts');
      const { handler: exporter } = await import('../../functions/export.ts');
      await expect(query({ name: 'wave_summary', params: {} }, context)).rejects.toThrow(
        'config: environment variable ATHENA_WORKGROUP is missing',
      );
      await expect(exporter({ name: 'wave_summary', params: {}, format: 'csv' }, context)).rejects.toThrow(
        'config: environment variable ATHENA_WORKGROUP is missing',
      );
    } finally {
      if (saved !== undefined) process.env.ATHENA_WORKGROUP = saved;
    }
  });
});
