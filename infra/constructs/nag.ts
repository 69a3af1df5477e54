import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

// cdk-nag 3 matches an acknowledgement to a finding by its exact id, e.g.
// "AwsSolutions-IAM5[Resource::<DataLakeCuratedD6D7CE2D.Arn>/curated/*]", on the resource or any ancestor.
// These helpers build those ids from the constructs themselves, so that each construct acknowledges the
// findings its own grants cause, next to the grant and with the reason, and a finding nobody reasoned about
// still fails synthesis.

/** The construct holding a grantee's policies (a role), or undefined for a principal that is not a construct. */
function policyHolder(grantee: iam.IGrantable): IConstruct | undefined {
  const principal = grantee.grantPrincipal as Partial<IConstruct>;
  return principal.node === undefined ? undefined : (principal as IConstruct);
}

/** How cdk-nag prints an ARN token in a finding: "<LogicalId.Arn>" followed by any literal suffix. */
export function nagArn(scope: IConstruct, arn: string): string {
  const resolved = Stack.of(scope).resolve(arn) as unknown;
  const getAtt = (value: unknown): string | undefined => {
    const att = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    return att === undefined ? undefined : `<${att[0]}.${att[1]}>`;
  };
  const whole = getAtt(resolved);
  if (whole !== undefined) return whole;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join !== undefined) {
    return join[1].map((part) => (typeof part === 'string' ? part : (getAtt(part) ?? String(part)))).join(join[0]);
  }
  if (typeof resolved === 'string') return resolved;
  throw new Error(
    `infra: cannot print ARN ${JSON.stringify(resolved)} as cdk-nag does; expected Fn::GetAtt or Fn::Join`,
  );
}

/** Acknowledges AwsSolutions-IAM5 findings on the grantee's policy: `Action::x` or `Resource::x` entries. */
export function acknowledgeWildcards(grantee: iam.IGrantable, findings: readonly string[], reason: string): void {
  const holder = policyHolder(grantee);
  if (holder === undefined) return;
  Validations.of(holder).acknowledge(...findings.map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason })));
}

/** The S3 action groups CDK's bucket grants use, which cdk-nag reports as wildcards. */
export const S3_GRANT_ACTIONS = {
  read: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
  put: ['s3:Abort*'],
  readWrite: ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'],
} as const;

/** The KMS action groups CDK adds to a grant on a bucket with a customer-managed key (reads only decrypt). */
const KMS_GRANT_ACTIONS = {
  read: [],
  put: ['kms:ReEncrypt*', 'kms:GenerateDataKey*'],
  readWrite: ['kms:ReEncrypt*', 'kms:GenerateDataKey*'],
} as const;

/**
 * Acknowledges the wildcards of one CDK bucket grant scoped to a key prefix: the object ARN ends in "<prefix>*"
 * because the keys under it are data (survey, wave, file) unknown at deploy time, and the action groups are
 * CDK's own grant sets, used in preference to hand-written IAM (STYLE.md 10).
 */
export function acknowledgePrefixGrant(
  grantee: iam.IGrantable,
  objectsArn: string,
  kind: keyof typeof S3_GRANT_ACTIONS,
  what: string,
  encrypted = false,
): void {
  const holder = policyHolder(grantee);
  if (holder === undefined) return;
  const actions = [...S3_GRANT_ACTIONS[kind], ...(encrypted ? KMS_GRANT_ACTIONS[kind] : [])];
  acknowledgeWildcards(
    grantee,
    [`Resource::${nagArn(holder, objectsArn)}`, ...actions.map((action) => `Action::${action}`)],
    `${what}: scoped to one key prefix of one bucket (and its own KMS key), whose keys (survey, wave, file) are data unknown at deploy time; the actions are CDK's ${kind} grant set (STYLE.md 10: grants, not hand-written IAM)`,
  );
}
