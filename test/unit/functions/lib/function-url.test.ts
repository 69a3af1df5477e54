import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { functionUrl } from '../../../../functions/lib/function-url.ts';

class CallerError extends Error {}
class UpstreamError extends Error {}

const context = { awsRequestId: 'req-42' } as Context;
const urlEvent = { requestContext: { http: { method: 'POST' } }, body: '{}' };

function handlerThat(outcome: () => unknown) {
  return middy<unknown, unknown>()
    .use(
      functionUrl([
        [CallerError, 400],
        [UpstreamError, 502],
      ]),
    )
    .handler(async () => outcome());
}

describe('the function-URL middleware', () => {
  it('returns the result itself to a direct invoke', async () => {
    expect(await handlerThat(() => ({ rows: [1] }))({ name: 'x' }, context)).toEqual({ rows: [1] });
  });

  it('rethrows to a direct invoke, so the invoke fails with the one-line message', async () => {
    await expect(
      handlerThat(() => {
        throw new CallerError('query: bad');
      })({ name: 'x' }, context),
    ).rejects.toThrow('query: bad');
  });

  it('wraps the result of a function-URL call as a 200 JSON body', async () => {
    expect(await handlerThat(() => ({ rows: [1] }))(urlEvent, context)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"rows":[1]}',
    });
  });

  it('answers a listed error with its status and message', async () => {
    const caller = await handlerThat(() => {
      throw new CallerError('query: bad');
    })(urlEvent, context);
    expect(caller).toMatchObject({ statusCode: 400, body: '{"error":"query: bad"}' });
    const upstream = await handlerThat(() => {
      throw new UpstreamError('athena: failed');
    })(urlEvent, context);
    expect(upstream).toMatchObject({ statusCode: 502, body: '{"error":"athena: failed"}' });
  });

  it('hides an unlisted error behind a 500 naming the request, and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await handlerThat(() => {
        throw new Error('secret internals at /var/task');
      })(urlEvent, context);
      expect(response).toMatchObject({ statusCode: 500 });
      const body = (response as { body: string }).body;
      expect(body).toContain('req-42');
      expect(body).not.toContain('secret');
      expect(log).toHaveBeenCalledWith(expect.stringContaining('secret internals'));
    } finally {
      log.mockRestore();
    }
  });
});
