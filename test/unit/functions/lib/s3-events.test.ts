import { describe, expect, it } from 'vitest';
import { rawObjectsOf } from '../../../../functions/lib/s3-events.ts';

function notification(key: string, eventName = 'ObjectCreated:Put') {
  return JSON.stringify({ Records: [{ eventName, s3: { bucket: { name: 'raw-bucket' }, object: { key } } }] });
}

describe('rawObjectsOf', () => {
  it('reads survey, wave and file name from a raw key', () => {
    expect(rawObjectsOf(notification('raw/survey=uk-se/wave=2023/wave.csv'))).toEqual([
      {
        bucket: 'raw-bucket',
        key: 'raw/survey=uk-se/wave=2023/wave.csv',
        survey: 'uk-se',
        wave: 2023,
        fileName: 'wave.csv',
      },
    ]);
  });

  it('decodes keys as S3 encodes them in notifications ("=" as %3D, spaces as +)', () => {
    const [object] = rawObjectsOf(notification('raw/survey%3Duk-se/wave%3D2023/my+wave+%282023%29.csv'));
    expect(object?.key).toBe('raw/survey=uk-se/wave=2023/my wave (2023).csv');
    expect(object?.fileName).toBe('my wave (2023).csv');
  });

  it("ignores S3's test event and removals", () => {
    expect(rawObjectsOf(JSON.stringify({ Event: 's3:TestEvent', Bucket: 'raw-bucket' }))).toEqual([]);
    expect(rawObjectsOf(notification('raw/survey=uk-se/wave=2023/wave.csv', 'ObjectRemoved:Delete'))).toEqual([]);
  });

  it('refuses a key outside raw/survey=<id>/wave=<year>/, naming it', () => {
    expect(() => rawObjectsOf(notification('raw/misc/notes.csv'))).toThrow(
      'ingest: raw object key must be raw/survey=<id>/wave=<year>/<file>, got "raw/misc/notes.csv"',
    );
    expect(() => rawObjectsOf(notification('raw/survey=uk-se/wave=23/x.csv'))).toThrow(
      /got "raw\/survey=uk-se\/wave=23/,
    );
  });

  it('refuses a message that is not an S3 notification', () => {
    expect(() => rawObjectsOf(JSON.stringify({ hello: 1 }))).toThrow(/not an S3 event notification/);
  });
});
