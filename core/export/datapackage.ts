import { CONFIDENTIAL, type ExportDocument, NOT_AVAILABLE } from './document.ts';
import { STATUS_KEY } from './json.ts';
import { disclosureNotes } from './notes.ts';

/** The formats an export can be written in. */
export type ExportFormat = 'csv' | 'xlsx' | 'json';

/** Media types of the export formats. */
export const MEDIA_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json',
};

/** The licence exports are published under: the Open Government Licence v3.0. */
export const LICENCE = {
  name: 'OGL-UK-3.0',
  path: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
  title: 'Open Government Licence v3.0',
} as const;

/** Frictionless field types of the result column types. */
const FIELD_TYPES = { string: 'string', int: 'integer', double: 'number', boolean: 'boolean' } as const;

/** A Frictionless resource name from a file name: lower case, only a-z 0-9 . _ - kept. */
export function resourceName(fileName: string): string {
  const name = fileName
    .toLowerCase()
    .replace(/[^-a-z0-9._]+/g, '-')
    .replace(/^[-.]+/, '');
  return name === '' ? 'export' : name;
}

/**
 * The Frictionless Data Resource that describes one export file: path, format, media type, encoding, table
 * schema (field names, types, descriptions; `[c]` and `[x]` as missing values in CSV and XLSX), licence and
 * provenance (survey, waves, saved query, parameters, the rules and their settings, cells suppressed, when).
 */
export function exportResource(doc: ExportDocument, fileName: string, format: ExportFormat): Record<string, unknown> {
  const fields: Record<string, unknown>[] = doc.columns.map((c) => ({
    name: c.name,
    type: FIELD_TYPES[c.type],
    description: c.description,
    ...(c.format === 'percent' ? { format: 'default', unit: 'fraction (0 to 1)' } : {}),
    ...(c.role === 'group' ? { role: 'group' } : {}),
  }));
  if (format === 'json') {
    fields.push({
      name: STATUS_KEY,
      type: 'object',
      description: `status of the row's cells that have no value: "c" confidential (suppressed), "x" not available; published cells are not listed`,
    });
  }
  return {
    name: resourceName(fileName),
    path: fileName,
    title: doc.title,
    description:
      `${doc.query.description} ${doc.total ? 'The last row is the Total, computed from the microdata.' : ''}`.trim(),
    profile: format === 'xlsx' ? 'data-resource' : 'tabular-data-resource',
    format,
    mediatype: MEDIA_TYPES[format],
    ...(format === 'xlsx' ? {} : { encoding: 'utf-8' }),
    ...(format === 'csv'
      ? { dialect: { delimiter: ',', lineTerminator: '\r\n', header: true, doubleQuote: true } }
      : {}),
    schema: {
      fields,
      ...(format === 'json' ? { missingValues: [] } : { missingValues: [CONFIDENTIAL, NOT_AVAILABLE] }),
    },
    licenses: [LICENCE],
    sources: [{ title: `Survey ${doc.survey ?? '(not stated)'}, wave(s) ${doc.waves.join(', ') || '(none)'}` }],
    provenance: {
      survey: doc.survey ?? null,
      waves: doc.waves,
      savedQuery: doc.query.name,
      grain: doc.query.grain,
      parameters: doc.parameters,
      created: doc.createdAt,
      disclosureControl: {
        settings: {
          threshold: doc.rules.threshold,
          p: doc.rules.p,
          deploymentThreshold: (doc.deployment ?? doc.rules).threshold,
          deploymentP: (doc.deployment ?? doc.rules).p,
          totalRow: doc.total,
        },
        rules: {
          threshold: { minimumContributors: doc.rules.threshold, cellsSuppressed: doc.counts.threshold },
          dominance: { rule: 'p%', p: doc.rules.p, cellsSuppressed: doc.counts.dominance },
          revision: { minimumContributorsToAChange: doc.rules.threshold, cellsSuppressed: doc.counts.revision ?? 0 },
          linked: { cellsSuppressed: doc.counts.linked },
          secondary: {
            method: 'protection levels met by the least-cost deviation (linear programming), cell by cell',
            upperProtectionLevel: {
              count: 'threshold minus the count',
              dominatedTotal: `${doc.rules.p}% of the largest contribution`,
            },
            cellsSuppressed: doc.counts.secondary,
          },
          earlierRelease: { cellsSuppressed: doc.counts.release ?? 0 },
        },
        ...(doc.audit
          ? {
              audit: {
                solver: doc.audit.solver,
                intruderModel: doc.audit.model,
                suppressedCellsBounded: doc.audit.cellsAudited,
                protectionLevelsMet: doc.audit.protectionLevels,
                exactRecoveries: 0,
                programsSolved: doc.audit.programs,
                equationsCheckedExactly: true,
              },
            }
          : {}),
        linkedTables: doc.linkedTables ?? [],
        ...(doc.versions ? { waveVersions: doc.versions } : {}),
        ...(doc.history ? { earlierReleases: doc.history } : {}),
        droppedColumns: doc.dropped,
        notes: disclosureNotes(doc).map((n) => n.text),
      },
    },
  };
}

/**
 * The folder's datapackage.json after adding one export: an existing descriptor keeps its other resources and
 * has the one of the same name replaced, so that several exports in one folder stay described. An unreadable
 * existing descriptor is replaced rather than trusted.
 */
export function mergeDataPackage(
  existing: string | undefined,
  resource: Record<string, unknown>,
  createdAt: string,
): string {
  let resources: Record<string, unknown>[] = [];
  if (existing !== undefined) {
    try {
      const parsed = JSON.parse(existing) as { resources?: unknown };
      if (Array.isArray(parsed.resources)) {
        resources = parsed.resources.filter(
          (r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r),
        );
      }
    } catch {
      resources = [];
    }
  }
  const index = resources.findIndex((r) => r.name === resource.name);
  if (index >= 0) resources[index] = resource;
  else resources.push(resource);
  const descriptor = {
    profile: 'data-package',
    name: 'survey-exports',
    title: 'Aggregate exports of sector survey statistics, with disclosure control',
    description:
      'Tables produced by `survey export` from saved queries over survey microdata, protected by the threshold, p% dominance and secondary suppression rules before publication.',
    created: createdAt,
    licenses: [LICENCE],
    keywords: ['social enterprise', 'public service mutuals', 'official statistics', 'disclosure control'],
    resources,
  };
  return `${JSON.stringify(descriptor, null, 2)}\n`;
}
