import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasSurvey, presignUpload } from '../../functions/lib/upload-url.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3(['raw-bucket']);
});
afterAll(() => s3.close());

const limits = { survey: 'uk-se', maxBytes: 1000, expiresIn: 900 };
const body = 'Respondent ID,Main sector\r\n1,Health\r\n';

describe('presigned upload URLs against a real S3-compatible server', () => {
  it('lets the declared file through to raw/survey=<id>/wave=<year>/', async () => {
    const request = { survey: 'uk-se', wave: 2023, fileName: 'wave.csv', bytes: Buffer.byteLength(body) };
    const signed = await presignUpload(s3.client, 'raw-bucket', request, limits);
    expect(signed.key).toBe('raw/survey=uk-se/wave=2023/wave.csv');
    const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body });
    expect(response.status).toBe(200);
  });

  it('signs the declared Content-Length, so S3 refuses any other size', async () => {
    // s3rver does not check signed header values, so this checks the signature's scope; AWS S3 answers
    // SignatureDoesNotMatch to a body of another length.
    const request = { survey: 'uk-se', wave: 2023, fileName: 'small.csv', bytes: 10 };
    const signed = await presignUpload(s3.client, 'raw-bucket', request, limits);
    const signedHeaders = new URL(signed.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signedHeaders).toContain('content-length');
    expect(signed.headers['content-length']).toBe('10');
    expect(new URL(signed.url).searchParams.get('X-Amz-Expires')).toBe('900');
  });

  it.each([
    [{ survey: 'uk-se', wave: 2023, fileName: 'big.csv', bytes: 5000 }, /limit is 1000 bytes/],
    [
      { survey: 'fr-ess', wave: 2023, fileName: 'a.csv', bytes: 10 },
      /this alias uploads to survey "uk-se" only, got "fr-ess"/,
    ],
    [{ survey: 'uk-se', wave: 1890, fileName: 'a.csv', bytes: 10 }, /wave/],
    [{ survey: 'uk-se', wave: 2023, fileName: '../etc/passwd.csv', bytes: 10 }, /plain file name/],
  ])('refuses a bad request %j', async (request, message) => {
    await expect(presignUpload(s3.client, 'raw-bucket', request, limits)).rejects.toThrow(message);
  });
});

describe('which survey an invocation may upload to', () => {
  const arn = 'arn:aws:lambda:eu-west-2:123456789012:function:SurveyPipeline-dev-UploadUrlFunction';

  it('is the survey alias the function was invoked through', () => {
    expect(aliasSurvey(`${arn}:uk-se`)).toBe('uk-se');
    expect(aliasSurvey(`${arn}:fr-ess`)).toBe('fr-ess');
  });

  it('is none for the function itself, $LATEST or a version number', () => {
    for (const invoked of [arn, `${arn}:$LATEST`, `${arn}:7`]) expect(aliasSurvey(invoked)).toBeUndefined();
  });

  it('refuses to presign anything for an invocation without a survey alias', async () => {
    const request = { survey: 'uk-se', wave: 2023, fileName: 'wave.csv', bytes: 10 };
    await expect(presignUpload(s3.client, 'raw-bucket', request, { ...limits, survey: undefined })).rejects.toThrow(
      /^upload-url: invoke your survey's alias of the function/,
    );
  });
});
