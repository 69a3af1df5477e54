import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** A presigned GET of one object, downloaded as an attachment under its own file name. */
export interface DownloadUrl {
  readonly url: string;
  readonly expiresAt: string;
}

/** How a presigned object is handed over. */
export interface PresignOptions {
  /** Shown in the browser (an HTML page) rather than saved as a file. @default false */
  readonly inline?: boolean;
}

/** Presigns a GET of `key` in `bucket` for `expiresIn` seconds. */
export async function presignDownload(
  client: S3Client,
  bucket: string,
  key: string,
  expiresIn: number,
  options: PresignOptions = {},
): Promise<DownloadUrl> {
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ResponseContentDisposition: `${options.inline ? 'inline' : 'attachment'}; filename="${fileName.replace(/["\\]/g, '_')}"`,
  });
  const url = await getSignedUrl(client, command, { expiresIn });
  // The signature starts now (the export's own timestamp may be fixed by a test), so the expiry does too.
  const expiresAt = new Date(Date.now() + expiresIn * 1000).toISOString();
  return { url, expiresAt };
}
