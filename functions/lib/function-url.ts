import type middy from '@middy/core';

/** A function-URL (or API Gateway v2) response. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** True when the event came through a function URL rather than a direct invoke. */
function viaUrl(event: unknown): boolean {
  return typeof (event as { requestContext?: { http?: unknown } } | null)?.requestContext?.http === 'object';
}

function json(statusCode: number, value: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/**
 * Middy middleware for handlers reachable both by direct invoke and through a function URL. A direct invoke gets
 * the handler's result, and an error fails the invoke with its one-line message (FunctionError). A function-URL
 * call gets the result as a JSON body with status 200, an error of a class listed in `statuses` as `{ error }` with that
 * status, and any other error as a 500 that names only the request id (its message may hold internals: it is
 * logged instead).
 */
export function functionUrl(
  statuses: readonly (readonly [new (...args: never[]) => Error, number])[],
): middy.MiddlewareObj {
  const statusOf = (error: Error) => statuses.find(([type]) => error instanceof type)?.[1];
  return {
    after: (request) => {
      if (viaUrl(request.event)) request.response = json(200, request.response);
    },
    onError: (request) => {
      const error = request.error;
      if (!error || !viaUrl(request.event)) return;
      const status = statusOf(error);
      if (status !== undefined) {
        request.response = json(status, { error: error.message });
        return;
      }
      console.error(JSON.stringify({ level: 'error', message: error.message, name: error.name }));
      request.response = json(500, {
        error: `internal error; see the function's log for request ${request.context.awsRequestId}`,
      });
    },
  };
}
