import { z } from 'zod';
import type { ExportFormat } from '../../core/export/index.ts';

/** A request the caller got wrong (shape, types, ranges): one line, safe to show to the caller. */
export class RequestError extends Error {
  /** Creates a one-line request error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RequestError';
  }
}

/** A saved query and its parameters, as an analyst or a department sends them (direct invoke). */
export const QueryRequestSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a saved query name such as "spinouts_by_sector"'),
  params: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
});

/** A saved query's request. */
export type QueryRequest = z.infer<typeof QueryRequestSchema>;

/**
 * An export request: a saved query, the file format, and settings of the disclosure rules that may only make
 * the deployment's stricter (checked against it by the core). The hard floors hold here already: a threshold
 * below 3 organisations or p = 0 is refused before anything runs.
 */
export const ExportRequestSchema = QueryRequestSchema.extend({
  // Listed here rather than imported: the query bundle must not pull in the export writers (exceljs).
  format: z.enum(['csv', 'xlsx', 'json'] as const satisfies readonly ExportFormat[]),
  threshold: z.number().int().min(3, 'expected a whole number of at least 3 (the floor)').max(1000).optional(),
  p: z.number().gt(0, 'expected a number above 0 (the floor)').max(100).optional(),
  total: z.boolean().optional(),
});

/** The disclosure settings a request may carry, with the hard floors (a bulletin's as an export's). */
const RequestSettingsShape = {
  threshold: ExportRequestSchema.shape.threshold,
  p: ExportRequestSchema.shape.p,
};

/** An export request. */
export type ExportRequest = z.infer<typeof ExportRequestSchema>;

/**
 * A bulletin request: one wave of one survey as an HTML page, with settings of the disclosure rules that may only
 * make the deployment's stricter.
 */
export const BulletinRequestSchema = z.strictObject({
  bulletin: z.strictObject({
    survey: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a survey id such as "uk-se"'),
    wave: z.number().int().min(1000).max(9999),
  }),
  ...RequestSettingsShape,
});

/** A bulletin request. */
export type BulletinRequest = z.infer<typeof BulletinRequestSchema>;

/**
 * The schema of what the export function was sent: a bulletin request when it names `bulletin`, else an export
 * request (whose messages name the export's fields). Only looks; parseRequest judges.
 */
export function exportRequestSchemaOf(event: unknown): typeof BulletinRequestSchema | typeof ExportRequestSchema {
  let request = event;
  const body = (event as { body?: unknown; isBase64Encoded?: boolean } | null)?.body;
  if (typeof body === 'string') {
    try {
      const text = (event as { isBase64Encoded?: boolean }).isBase64Encoded
        ? Buffer.from(body, 'base64').toString('utf8')
        : body;
      request = JSON.parse(text);
    } catch {
      // Not JSON: parseRequest says so.
    }
  }
  const named = typeof request === 'object' && request !== null && Object.hasOwn(request, 'bulletin');
  return named ? BulletinRequestSchema : ExportRequestSchema;
}

/**
 * Parses the request a handler received by direct invoke. Throws a RequestError naming the first bad field, the value
 * received and what is expected.
 */
export function parseRequest<T extends z.ZodType>(schema: T, request: unknown, component: string): z.infer<T> {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const received = path.reduce<unknown>(
    (value, segment) => (value as Record<PropertyKey, unknown> | undefined)?.[segment as PropertyKey],
    request,
  );
  throw new RequestError(
    `${component}: ${path.join('.') || 'request'}: ${issue?.message}${received === undefined ? '' : `; got ${shown(received)}`}`,
    { cause: parsed.error },
  );
}

/** The parameters as the saved-query validator reads them: raw text, as `--param k=v` gives them. */
export function rawParams(params: Readonly<Record<string, string | number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)]));
}

/** A received value for a message, cut short so one line stays one line. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
