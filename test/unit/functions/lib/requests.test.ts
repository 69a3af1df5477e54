import { describe, expect, it } from 'vitest';
import {
  ExportRequestSchema,
  parseRequest,
  QueryRequestSchema,
  RequestError,
  rawParams,
} from '../../../../functions/lib/requests.ts';

describe('parseRequest', () => {
  const request = { name: 'spinouts_by_sector', params: { survey: 'uk-se', wave: 2023 } };

  it('reads a direct invoke as the request itself', () => {
    expect(parseRequest(QueryRequestSchema, request, 'query')).toEqual(request);
  });

  it('defaults the parameters to none', () => {
    expect(parseRequest(QueryRequestSchema, { name: 'wave_summary' }, 'query')).toEqual({
      name: 'wave_summary',
      params: {},
    });
  });

  it('refuses a function-URL event: no function URL is deployed, the request is the event itself', () => {
    expect(() => parseRequest(QueryRequestSchema, { body: JSON.stringify(request) }, 'query')).toThrow(
      /^query: name: .*expected string, received undefined$/,
    );
  });

  it('names the bad field, the value received and what is expected', () => {
    const bad = { name: 'spinouts_by_sector', params: { wave: true } };
    expect(() => parseRequest(QueryRequestSchema, bad, 'query')).toThrow(/^query: params\.wave: .*; got "true"$/);
    expect(() => parseRequest(QueryRequestSchema, { name: 'Bad Name' }, 'query')).toThrow(
      'query: name: expected a saved query name such as "spinouts_by_sector"; got "Bad Name"',
    );
  });

  it('refuses fields it does not know, so a typo is not silently ignored', () => {
    expect(() => parseRequest(QueryRequestSchema, { ...request, parms: {} }, 'query')).toThrow(/parms/);
  });

  it('refuses an event that is no object at all', () => {
    expect(() => parseRequest(QueryRequestSchema, null, 'query')).toThrow(RequestError);
  });

  it('cuts a long received value short so the message stays one line', () => {
    const error = (() => {
      try {
        parseRequest(QueryRequestSchema, { name: 'x'.repeat(500) }, 'query');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message.length).toBeLessThan(200);
    expect(error?.message).not.toContain('\n');
  });

  it('checks export formats and disclosure settings', () => {
    const base = { ...request, format: 'csv' };
    expect(parseRequest(ExportRequestSchema, { ...base, threshold: 3, p: 15, total: false }, 'export')).toEqual({
      ...base,
      threshold: 3,
      p: 15,
      total: false,
    });
    expect(() => parseRequest(ExportRequestSchema, { ...base, format: 'pdf' }, 'export')).toThrow(
      /^export: format: .*; got "pdf"$/,
    );
    expect(() => parseRequest(ExportRequestSchema, { ...base, threshold: 2.5 }, 'export')).toThrow(/threshold/);
    expect(() => parseRequest(ExportRequestSchema, { ...base, p: 101 }, 'export')).toThrow(/^export: p: /);
    expect(() => parseRequest(ExportRequestSchema, request, 'export')).toThrow(/^export: format: /);
    expect(() => parseRequest(ExportRequestSchema, { ...base, thresold: 3 }, 'export')).toThrow(/thresold/);
  });
});

describe('rawParams', () => {
  it('gives numbers as the text the parameter validator reads', () => {
    expect(rawParams({ survey: 'uk-se', wave: 2023, x: 2023.5 })).toEqual({
      survey: 'uk-se',
      wave: '2023',
      x: '2023.5',
    });
  });
});
