import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/index.ts';

// The real `cdk synth` of cdk.json's app, as CI runs it: no AWS credentials, and every network attempt fails fast
// (a proxy on a closed port). Where the kernel lets an unprivileged user make one, the synth also runs in a network
// namespace of its own, which has no network at all. A `docker` on the PATH that leaves a mark proves bundling
// never reached for it.

/** True when `unshare -rn` can give a process an empty network namespace here. */
function canIsolateNetwork(): boolean {
  return spawnSync('unshare', ['-rn', 'true']).status === 0;
}

let work: string;
let result: ReturnType<typeof spawnSync>;
let seconds: number;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'survey-synth-'));
  const bin = path.join(work, 'bin');
  const dockerMark = path.join(work, 'docker-was-called');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\ntouch '${dockerMark}'\nexit 1\n`);
  chmodSync(path.join(bin, 'docker'), 0o755);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  Object.assign(env, {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
    http_proxy: 'http://127.0.0.1:9',
    NO_PROXY: '',
    AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
    CI: 'true',
  });
  const cdk = [
    path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
    'synth',
    '-q',
    '-o',
    path.join(work, 'cdk.out'),
    ...['-c', 'stage=prod', '-c', 'alarmEmail=ops@example.org', '-c', 'surveys=uk-se,fr-ess'],
  ];
  const isolated = canIsolateNetwork();
  const [command, ...args] = isolated ? ['unshare', '-rn', ...cdk] : cdk;
  const started = Date.now();
  result = spawnSync(command!, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 170_000 });
  seconds = (Date.now() - started) / 1000;
  console.info(
    `cdk synth -q -c stage=prod offline${isolated ? ' in an empty network namespace' : ''}: ${seconds.toFixed(1)} s`,
  );
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('cdk synth offline', () => {
  it('succeeds with no network and no credentials, cdk-nag included, for the stage given in context', () => {
    expect(result.error).toBeUndefined();
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(readdirSync(path.join(work, 'cdk.out')).filter((file) => file.endsWith('.template.json'))).toEqual([
      'SurveyPipeline-prod.template.json',
    ]);
    const template = JSON.parse(readFileSync(path.join(work, 'cdk.out', 'SurveyPipeline-prod.template.json'), 'utf8'));
    const database = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { DatabaseInput?: { Name?: string } } }>,
    ).find((resource) => resource.Type === 'AWS::Glue::Database');
    expect(database?.Properties.DatabaseInput?.Name).toBe('survey_lake_prod');
    expect(JSON.stringify(template)).toContain('ops@example.org');
  });

  it('bundles the four functions with the local esbuild, never with Docker', () => {
    expect(existsSync(path.join(work, 'docker-was-called'))).toBe(false);
    const assets = readdirSync(path.join(work, 'cdk.out')).filter((entry) =>
      existsSync(path.join(work, 'cdk.out', entry, 'index.mjs')),
    );
    expect(assets).toHaveLength(4);
  });

  it('puts every saved query beside each bundle, where the query and export handlers read them', () => {
    const sql = readdirSync(path.join(PROJECT_ROOT, 'queries'))
      .filter((file) => file.endsWith('.sql'))
      .sort();
    const assets = readdirSync(path.join(work, 'cdk.out')).filter((entry) =>
      existsSync(path.join(work, 'cdk.out', entry, 'index.mjs')),
    );
    for (const asset of assets) {
      const copied = readdirSync(path.join(work, 'cdk.out', asset, 'queries')).filter((file) => file.endsWith('.sql'));
      expect(copied.sort()).toEqual(sql);
    }
  });

  it('leaves native modules out of every bundle but the ingest, which carries DuckDB beside its bundle', () => {
    const assets = readdirSync(path.join(work, 'cdk.out')).filter((entry) =>
      existsSync(path.join(work, 'cdk.out', entry, 'index.mjs')),
    );
    const withDuckDb = assets.filter((asset) =>
      existsSync(path.join(work, 'cdk.out', asset, 'node_modules', '@duckdb', 'node-api', 'package.json')),
    );
    expect(withDuckDb).toHaveLength(1);
    for (const asset of assets) {
      const dir = path.join(work, 'cdk.out', asset);
      for (const file of readdirSync(dir)) expect(file.endsWith('.node'), `${asset}/${file}`).toBe(false);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      if (asset === withDuckDb[0]) expect(code).toContain('@duckdb/node-api');
      else expect(code).not.toContain('@duckdb/node-api');
    }
  });

  it('gives the ingest bundle a DuckDB that loads and runs a query from the bundle folder alone', () => {
    const asset = readdirSync(path.join(work, 'cdk.out')).find((entry) =>
      existsSync(path.join(work, 'cdk.out', entry, 'node_modules', '@duckdb', 'node-api', 'package.json')),
    );
    expect(asset).toBeDefined();
    const script =
      "const { DuckDBInstance } = await import('@duckdb/node-api'); const db = await DuckDBInstance.create(':memory:'); const r = await (await db.connect()).runAndReadAll('select 6 * 7 as answer'); console.log(r.getRowObjectsJS()[0].answer)";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.join(work, 'cdk.out', asset!),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_PATH: '' },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('42');
  });
});
