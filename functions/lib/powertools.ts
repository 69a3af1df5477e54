import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type middy from '@middy/core';

// One logger, tracer and metrics buffer per function (each handler is its own bundle). Their service name comes from
// POWERTOOLS_SERVICE_NAME and the metrics namespace from POWERTOOLS_METRICS_NAMESPACE, both set by the CDK; the
// tracer records only inside Lambda with active tracing.

/** Structured JSON logs: every line carries the request id once `injectLambdaContext` has run. */
export const logger = new Logger();
/**
 * X-Ray segments for the handler and every SDK client passed to `tracer.captureAWSv3Client`. Handlers do not
 * capture their responses: they hold presigned URLs (credentials, in effect) and query rows.
 */
export const tracer = new Tracer();
/** CloudWatch metrics in Embedded Metric Format, written to the log as one JSON line per flush. */
export const metrics = new Metrics();

/**
 * Middy middleware that logs a failed invocation with Powertools' Logger (message, error, request id) before the
 * error fails the invoke, so the reason is in the function's log as well as in the caller's answer: a warning for
 * an error of a class in `callerErrors` (the request was wrong), an error for anything else.
 */
export function logErrors(callerErrors: readonly (new (...args: never[]) => Error)[] = []): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const error = request.error;
      if (!error) return;
      // A caller's mistake needs no stack trace; anything else gets the whole error, its cause included.
      if (callerErrors.some((type) => error instanceof type)) logger.warn(error.message, { errorName: error.name });
      else logger.error(error.message, { error });
    },
  };
}
