// The validation report (DESIGN.md "The lake layout"), shaped like a Frictionless report so people who know
// that tool read it at once. Optional fields may be added; none may be removed.
import { z } from 'zod';
import { SOURCE_FIELDS } from './survey-definition.ts';

/** One problem with the file, a row or a cell: Frictionless error names such as "type-error". */
export const IssueSchema = z.object({
  // Kebab-case rather than a closed list, so a new Frictionless name in core/ingest never breaks a stored report.
  type: z.string().regex(/^[a-z]+(-[a-z]+)*$/),
  /** Null for a file-level problem (a missing column, an encoding error). */
  rowNumber: z.int().min(1).nullable(),
  fieldName: z.string().optional(),
  cell: z.string().optional(),
  message: z.string().min(1),
});

/** One problem as stored in a report. */
export type Issue = z.infer<typeof IssueSchema>;

const COUNT = z.int().min(0);

/** The validation report of one ingest of one wave. */
export const ReportSchema = z
  .object({
    valid: z.boolean(),
    survey: z.string().min(1),
    wave: z.int(),
    source: z.object({
      file: z.string().min(1),
      bytes: COUNT,
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      encoding: z.string().min(1),
      delimiter: z.string(),
    }),
    stats: z.object({
      rows: COUNT,
      valid: COUNT,
      rejected: COUNT,
      blank: COUNT,
      errors: COUNT,
      warnings: COUNT,
      seconds: z.number().min(0),
    }),
    header: z.object({
      matched: z.record(z.string(), z.enum(SOURCE_FIELDS)),
      unknown: z.array(z.string()),
      dropped: z.array(z.string()),
    }),
    errors: z.array(IssueSchema),
    warnings: z.array(IssueSchema),
    /** True when a byte-identical file was ingested again and nothing changed. */
    unchanged: z.boolean().optional(),
    /** True when the errors or warnings lists were cut short (the counts never are). */
    capped: z.boolean().optional(),
    /** When the ingest ran, ISO 8601 UTC. */
    ingestedAt: z.string().optional(),
  })
  .superRefine((report, ctx) => {
    const { rows, valid, rejected, blank } = report.stats;
    if (rows !== valid + rejected + blank) {
      ctx.addIssue({
        code: 'custom',
        path: ['stats', 'rows'],
        message: `schemas: stats.rows must equal valid + rejected + blank (${valid + rejected + blank}), got ${rows}`,
      });
    }
  });

/** A validation report. */
export type Report = z.infer<typeof ReportSchema>;
