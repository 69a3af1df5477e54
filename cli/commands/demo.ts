import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { QueryResult } from '../../core/engine/query-engine.ts';
import { exportQuery } from '../../core/export/index.ts';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { DEMO_ORG_KEY } from '../../core/ingest/org-id.ts';
import { rawKey } from '../../core/lake.ts';
import { buildBulletin, renderBulletinPage } from '../../core/pages/index.ts';
import { formatTable, getSavedQuery, runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { type Command, parseCommandArgs } from '../command.ts';

/** The demo's own lake: never ./lake, so running the demo cannot touch real waves. */
const DEMO_LAKE = './demo-lake';

/** The waves the demo generates: a uk-se panel over three waves and one fr-ess wave. */
const WAVES = [
  { survey: 'uk-se', wave: 2019, rows: 1800 },
  { survey: 'uk-se', wave: 2021, rows: 2000 },
  { survey: 'uk-se', wave: 2023, rows: 2200 },
  { survey: 'fr-ess', wave: 2023, rows: 1500 },
] as const;

const out = (text = '') => process.stdout.write(`${text}\n`);
// Plain text: stdout carries no escape sequences, whatever it is (DESIGN.md: colour goes to stderr, on a terminal).
const heading = (text: string) => out(`\n${text}`);

/** A small horizontal bar chart of one numeric column against one label column. */
function barChart(result: QueryResult, label: string, value: string, width = 40): string {
  const rows = result.rows.filter((row) => typeof row[value] === 'number');
  const max = Math.max(...rows.map((row) => row[value] as number), 0);
  const labelWidth = Math.max(...rows.map((row) => String(row[label]).length), 0);
  return rows
    .map((row) => {
      const n = row[value] as number;
      const bar = max > 0 ? '█'.repeat(Math.max(n > 0 ? 1 : 0, Math.round((n / max) * width))) : '';
      return `  ${String(row[label]).padEnd(labelWidth)}  ${bar} ${n.toLocaleString('en-GB')}`;
    })
    .join('\n');
}

/** `survey demo`: generate, ingest, query and export on the embedded default, in under a minute. */
export const command: Command = {
  help: {
    usage: ['demo [--lake <dir>] [--seed S]'],
    description:
      "The whole job on the embedded default, with no AWS account: generates three waves of a UK panel and one French wave, ingests them, prints the saved queries' tables, writes a disclosure-controlled export and a bulletin. Replaces its own lake (./demo-lake) each time.",
    options: [['--seed S', 'the random seed of the generated waves (default 1)']],
  },
  async run(args) {
    const { values } = parseCommandArgs(args, { lake: { type: 'string' }, seed: { type: 'string' } }, false);
    const lakeDir = resolve(values.lake ?? DEMO_LAKE);
    const seed = Number(values.seed ?? 1);
    const started = performance.now();
    await rm(lakeDir, { recursive: true, force: true });
    const storage = new LocalStorage(lakeDir);
    const shown = relative(process.cwd(), lakeDir) || '.';

    heading(`survey demo — synthetic waves into ${shown}/ (embedded default: local lake + DuckDB, no AWS account)`);
    out('Generating realistic, messy survey exports (header aliases, typos, duplicates, blank and invalid rows)...');
    for (const { survey, wave, rows } of WAVES) {
      const key = rawKey(survey, wave, `${survey}-${wave}.csv`);
      await mkdir(dirname(storage.localPath(key)), { recursive: true });
      const truth = await generateWave({ survey, wave, rows, seed }, storage.localPath(key));
      out(`  ${key}  ${rows} rows, ${truth.encoding}, delimiter ${JSON.stringify(truth.delimiter)}`);
    }

    heading('1. Ingest: validate every row, write curated Parquet, report what was rejected and why');
    out('  (org_ids use the demo key, which is public: never use it for real data; survey ingest never does)');
    for (const { survey, wave } of WAVES) {
      const key = rawKey(survey, wave, `${survey}-${wave}.csv`);
      const { report, refusal } = await ingestWave({
        storage,
        input: createReadStream(storage.localPath(key)),
        survey,
        wave,
        sourceFile: key,
        orgKey: DEMO_ORG_KEY,
      });
      if (report === undefined)
        throw new Error(`demo: the generated ${survey} ${wave} wave was refused: ${refusal?.reason}`);
      const s = report.stats;
      const kinds = new Map<string, number>();
      for (const error of report.errors) kinds.set(error.type, (kinds.get(error.type) ?? 0) + 1);
      const top = [...kinds]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      out(
        `  ${survey} ${wave}: ${s.rows} rows = ${s.valid} valid + ${s.rejected} rejected + ${s.blank} blank; ${s.warnings} warnings${top ? ` (${top})` : ''}`,
      );
    }

    const engine = await DuckDbEngine.open(storage);
    try {
      const show = async (title: string, name: string, params: Record<string, string>, chart?: [string, string]) => {
        heading(title);
        const result = await runSavedQuery(engine, name, params);
        out(formatTable(result, getSavedQuery(name).columns).replace(/^/gm, '  ').trimEnd());
        if (chart) out(`\n${barChart(result, chart[0], chart[1])}`);
      };
      const uk = { survey: 'uk-se', wave: '2023' };
      await show('2. Waves of the UK survey (wave_summary)', 'wave_summary', { survey: 'uk-se' });
      await show('3. Spin-outs by sector, 2023 (spinouts_by_sector)', 'spinouts_by_sector', uk, ['sector', 'spinouts']);
      await show('4. Spin-outs by parent public body (spinouts_by_parent_body)', 'spinouts_by_parent_body', uk);
      await show('5. Spin-outs by year of spin-out (spinout_cohorts)', 'spinout_cohorts', uk, [
        'spinout_year',
        'spinouts',
      ]);
      await show('6. Sector profile (sector_profile)', 'sector_profile', uk);
      await show('7. Turnover growth by sector (growth_by_sector)', 'growth_by_sector', uk);
      await show('8. Panel growth 2021 → 2023, same organisations (panel_growth)', 'panel_growth', {
        survey: 'uk-se',
        from_wave: '2021',
        to_wave: '2023',
      });
      await show('9. Governance and social value (governance_and_value)', 'governance_and_value', uk);
      await show('10. France: sector profile of the ESS, 2023 (sector_profile)', 'sector_profile', {
        survey: 'fr-ess',
        wave: '2023',
      });

      heading('11. Export for publication, with disclosure control (threshold 5, p% = 10)');
      const file = join(lakeDir, 'exports', 'spinouts_by_sector', 'spinouts-by-sector-2023.xlsx');
      const summary = await exportQuery({ engine, lake: storage, name: 'spinouts_by_sector', params: uk, out: file });
      const counts = Object.entries(summary.counts)
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ');
      out(`  ${relative(process.cwd(), summary.file)}  (${summary.rows} rows; cells suppressed: ${counts})`);
      out(`  ${relative(process.cwd(), summary.dataPackage)}`);

      heading(
        '12. A statistical bulletin of the 2023 wave: headline figures, charts and tables, disclosure-controlled',
      );
      const page = join(lakeDir, 'bulletin-uk-se-2023.html');
      const bulletin = await buildBulletin({ engine, lake: storage, survey: 'uk-se', wave: 2023, file: page });
      await writeFile(page, await renderBulletinPage(bulletin));
      out(`  ${relative(process.cwd(), page)}  (open it in a browser; it loads nothing from the network)`);
    } finally {
      await engine.close();
    }

    heading(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Next, try:`);
    const lake = `--lake ${shown}`;
    // npx --no-install runs this project's survey and never fetches a registry package of that name.
    const next: [string, string][] = [
      [`report --survey uk-se --wave 2023 --html report.html ${lake}`, 'why rows were rejected, as a page'],
      ['queries', 'every saved query'],
      [`query panel_growth --param survey=uk-se --param from_wave=2019 --param to_wave=2023 ${lake}`, ''],
      [`query growth_by_sector --param survey=fr-ess --param wave=2023 --format json ${lake}`, ''],
      [`export sector_profile --param survey=uk-se --param wave=2023 --out profile.xlsx ${lake}`, 'labels and units'],
      [`bulletin --survey fr-ess --wave 2023 --out bulletin-fr.html ${lake}`, 'the French wave'],
      ['generate --survey uk-se --wave 2023 --rows 2000 --seed 1 --out wave.csv', ''],
      ['ingest wave.csv --survey uk-se --wave 2023', 'into ./lake'],
      ['codebook --survey fr-ess', ''],
      ['<command> --help', "any command's usage and options"],
    ];
    for (const [command, comment] of next) {
      out(`  npx --no-install survey ${command}${comment ? `   # ${comment}` : ''}`);
    }
    return 0;
  },
};
