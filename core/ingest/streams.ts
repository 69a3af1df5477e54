// Writing work files without losing an error: a stream's failure surfaces where it is next waited on, even when
// it happened before anyone waited (a full disk mid-write), and never as an unhandled 'error' event.
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** Keeps a stream's 'error' events from being unhandled; its error is met by drained() and closed(). */
export function guarded(stream: WriteStream): WriteStream {
  stream.on('error', () => undefined);
  return stream;
}

/** Waits until a stream that refused a write has room again, or throws the error it failed with. */
export async function drained(stream: WriteStream): Promise<void> {
  if (stream.errored) throw stream.errored;
  await once(stream, 'drain');
}

/** Ends a stream and waits until its file is complete, or throws the error it failed with. */
export async function closed(stream: WriteStream): Promise<void> {
  stream.end();
  await finished(stream);
}
