import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  codebookJson,
  defineSurvey,
  FIELDS,
  LEGAL_FORMS,
  PARENT_BODIES,
  renderCodebook,
  SECTORS,
  SOURCE_FIELDS,
  SURVEYS,
  TURNOVER_TRENDS,
} from '../../../schemas/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function survey(...args: string[]) {
  return spawnSync(process.execPath, ['bin/survey.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

describe.each(SURVEYS.map((definition) => [definition.id, definition] as const))(
  'the %s codebook',
  (_id, definition) => {
    const text = renderCodebook(definition);

    it('mentions every canonical field with its type, whether it is required and whether it is PII', () => {
      for (const field of FIELDS) {
        expect(text).toMatch(
          new RegExp(
            `^${field.name}  \\((enum \\(\\w+\\)|${field.kind}), ${field.required ? 'required' : 'optional'}`,
            'm',
          ),
        );
        expect(text).toContain(field.description);
        expect(text).toMatch(new RegExp(`^${field.name}  \\(.*PII: ${field.pii ? 'yes' : 'no'}`, 'm'));
      }
    });

    it('mentions every raw header alias of the survey', () => {
      for (const field of SOURCE_FIELDS) {
        for (const alias of definition.headers[field]) expect(text).toContain(`"${alias}"`);
      }
    });

    it('lists every code and answer, sectors with their NACE section', () => {
      for (const list of [LEGAL_FORMS, SECTORS, PARENT_BODIES, TURNOVER_TRENDS, definition.regions]) {
        for (const entry of list) {
          expect(text).toContain(`  ${entry.code}`);
          for (const answer of entry.answers) expect(text).toContain(answer);
        }
      }
      expect(text).toContain('health [NACE Q86]');
    });

    it('gives the same content as JSON, with the survey region list', () => {
      const json = codebookJson(definition);
      expect(json.fields.map((field) => field.name)).toEqual(FIELDS.map((field) => field.name));
      expect(json.fields.find((field) => field.name === 'sector')?.headers).toEqual(definition.headers.sector);
      expect(json.codeLists.region).toBe(definition.regions);
      expect(JSON.parse(JSON.stringify(json)).jsonSchema.properties.region.enum).toContain(definition.regions[0]?.code);
    });
  },
);

describe('survey codebook', () => {
  it('prints the fr-ess codebook', () => {
    const result = survey('codebook', '--survey', 'fr-ess');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Codebook — fr-ess');
    expect(result.stdout).toContain('"Nombre de salariés"');
    expect(result.stdout).toContain('FR-IDF');
  });

  it('prints the JSON codebook with --json', () => {
    const result = survey('codebook', '--survey', 'uk-se', '--json');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.survey.id).toBe('uk-se');
    expect(json.jsonSchema.properties.region.enum).toContain('TLC');
  });

  it('exits non-zero with one line on stderr for an unknown survey', () => {
    const result = survey('codebook', '--survey', 'nope');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('survey: schemas: unknown survey "nope"; expected one of uk-se, fr-ess\n');
  });

  it('exits non-zero with one line on stderr without --survey', () => {
    const result = survey('codebook');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('survey: codebook: missing --survey; survey codebook --help lists its options\n');
  });
});

describe('a new survey', () => {
  it('needs only a definition: the codebook and JSON Schema derive from it with no other change', () => {
    const uk = SURVEYS[0]!;
    const ie = defineSurvey({
      ...uk,
      id: 'ie-se',
      title: 'Irish social enterprise survey',
      country: 'IE',
      currency: 'EUR',
      regions: [{ code: 'IE-L', label: 'Leinster', answers: ['Leinster'] }],
    });
    const text = renderCodebook(ie);
    expect(text).toContain('Codebook — ie-se');
    expect(text).toContain('IE-L  Leinster');
    const schema = codebookJson(ie).jsonSchema as { properties: Record<string, { const?: string; enum?: unknown[] }> };
    expect(schema.properties.currency?.const).toBe('EUR');
    expect(schema.properties.region?.enum).toEqual(['IE-L', null]);
  });
});
