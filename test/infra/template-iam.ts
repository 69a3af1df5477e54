import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** The fake account and region the synthesized (environment-agnostic) template is resolved in. */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-2';

type Json = unknown;
type Resource = { Type: string; Properties?: Record<string, Json> };
type PolicyDocument = { Version?: string; Statement: Json[] };

/**
 * The IAM side of a synthesized template with its CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join) resolved
 * to concrete fake names and ARNs, so that a policy simulator can evaluate it: bucket "X" is named
 * "surveypipeline-x", role "X" is named "X", and so on.
 */
export class TemplateIam {
  private readonly resources: Record<string, Resource>;

  /** Reads a template as Template.toJSON() gives it, of the stack with this name. */
  constructor(
    template: { Resources: Record<string, Resource> },
    private readonly stackName: string,
  ) {
    this.resources = template.Resources;
  }

  /** A resource's physical name as this fake deployment names it. */
  nameOf(logicalId: string): string {
    const resource = this.resource(logicalId);
    return resource.Type === 'AWS::S3::Bucket' ? `surveypipeline-${logicalId.toLowerCase()}` : logicalId;
  }

  /** A role's ARN. */
  roleArn(logicalId: string): string {
    return this.resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }) as string;
  }

  /** The logical ids of every role in the template. */
  roles(): string[] {
    return Object.keys(this.resources).filter((id) => this.resources[id]!.Type === 'AWS::IAM::Role');
  }

  /** A role's identity policies: the AWS::IAM::Policy resources attached to it and its inline policies, resolved. */
  identityPolicies(roleId: string): { name: string; policy: PolicyDocument }[] {
    const role = this.resource(roleId);
    if (role.Type !== 'AWS::IAM::Role') throw new Error(`test: ${roleId} is a ${role.Type}, not a role`);
    const attached = Object.entries(this.resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
      .filter(([, resource]) =>
        ((resource.Properties?.Roles as Json[] | undefined) ?? []).some(
          (ref) => (ref as { Ref?: string }).Ref === roleId,
        ),
      )
      .map(([id, resource]) => ({
        name: id,
        policy: this.resolve(resource.Properties!.PolicyDocument) as PolicyDocument,
      }));
    const inline = (
      (role.Properties?.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined) ?? []
    ).map((policy) => ({ name: policy.PolicyName, policy: this.resolve(policy.PolicyDocument) as PolicyDocument }));
    return [...attached, ...inline];
  }

  /** A role's trust policy (who may assume it), resolved. */
  trustPolicy(roleId: string): PolicyDocument {
    return this.resolve(this.resource(roleId).Properties!.AssumeRolePolicyDocument) as PolicyDocument;
  }

  /** The resolved bucket policy of the bucket a resource ARN ("arn:aws:s3:::name[/key]") is in, if it has one. */
  bucketPolicyFor(arn: string): PolicyDocument | undefined {
    const name = arn.replace(/^arn:aws:s3:::/, '').split('/')[0];
    const entry = Object.values(this.resources).find(
      (resource) => resource.Type === 'AWS::S3::BucketPolicy' && this.resolve(resource.Properties!.Bucket) === name,
    );
    return entry === undefined ? undefined : (this.resolve(entry.Properties!.PolicyDocument) as PolicyDocument);
  }

  /** The resolved key policy of the KMS key with this ARN ("arn:aws:kms:<region>:<account>:key/<id>"). */
  keyPolicyFor(arn: string): PolicyDocument | undefined {
    const id = arn.slice(arn.lastIndexOf('/') + 1);
    const key = this.resources[id];
    return key?.Type === 'AWS::KMS::Key' ? (this.resolve(key.Properties!.KeyPolicy) as PolicyDocument) : undefined;
  }

  /** The ARN of an object (or of the bucket, with key "") in a bucket of the template. */
  objectArn(bucketId: string, key: string): string {
    return key === '' ? `arn:aws:s3:::${this.nameOf(bucketId)}` : `arn:aws:s3:::${this.nameOf(bucketId)}/${key}`;
  }

  /** Resolves the intrinsics this stack's IAM uses; anything else is an error, never a silent guess. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, Json>;
    if ('Ref' in object) return this.ref(object.Ref as string);
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      return this.getAtt(id, attribute);
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, Json[]];
      return parts.map((part) => this.resolve(part) as string).join(separator);
    }
    if (Object.keys(object).some((key) => key.startsWith('Fn::'))) {
      throw new Error(`test: cannot resolve ${JSON.stringify(object)}; expected Ref, Fn::GetAtt or Fn::Join`);
    }
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, this.resolve(item)]));
  }

  private resource(logicalId: string): Resource {
    const resource = this.resources[logicalId];
    if (resource === undefined) throw new Error(`test: no resource "${logicalId}" in the template`);
    return resource;
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stackName,
    };
    if (pseudo[id] !== undefined) return pseudo[id];
    const resource = this.resource(id);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
      case 'AWS::Lambda::Alias': {
        const fn = this.resolve(resource.Properties!.FunctionName) as string;
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}:${resource.Properties!.Name as string}`;
      }
      default:
        return this.nameOf(id);
    }
  }

  private getAtt(id: string, attribute: string): string {
    const type = this.resource(id).Type;
    const name = this.nameOf(id);
    const arns: Record<string, string> = {
      'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
      'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${name}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::SQS::Queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`,
      'AWS::DynamoDB::GlobalTable': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
    };
    if (attribute === 'Arn' && arns[type] !== undefined) return arns[type];
    if (attribute === 'QueueName' && type === 'AWS::SQS::Queue') return name;
    throw new Error(`test: cannot resolve Fn::GetAtt ${id}.${attribute} of a ${type}`);
  }
}

/** The outcome of one simulated request. */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * Whether a role of the template may perform `action` on `resourceArn`: its identity policies and, for S3 and KMS,
 * the bucket's or key's policy, evaluated by @cloud-copilot/iam-simulate as a session of that role over TLS, in the same account.
 */
export async function decide(
  iam: TemplateIam,
  roleId: string,
  action: string,
  resourceArn: string,
  options: { secureTransport?: boolean; extraIdentityPolicy?: PolicyDocument; context?: Record<string, string> } = {},
): Promise<Decision> {
  const roleArn = iam.roleArn(roleId);
  const identityPolicies = iam.identityPolicies(roleId);
  if (options.extraIdentityPolicy) identityPolicies.push({ name: 'extra', policy: options.extraIdentityPolicy });
  // S3 and KMS consult the resource's own policy too (a KMS key's policy must let the account's IAM policies in).
  const resourcePolicy = action.startsWith('s3:')
    ? iam.bucketPolicyFor(resourceArn)
    : action.startsWith('kms:')
      ? iam.keyPolicyFor(resourceArn)
      : undefined;
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${iam.nameOf(roleId)}/session`,
      action,
      resource: { resource: resourceArn, accountId: ACCOUNT },
      contextVariables: {
        'aws:PrincipalArn': roleArn,
        'aws:SecureTransport': String(options.secureTransport ?? true),
        'aws:PrincipalAccount': ACCOUNT,
        ...options.context,
      },
    },
    identityPolicies: identityPolicies as Simulation['identityPolicies'],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy === undefined ? {} : { resourcePolicy: resourcePolicy as Simulation['resourcePolicy'] }),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`test: the simulation of ${action} on ${resourceArn} is invalid: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}

/**
 * Whether an IAM user of the account, whose own policy lets it assume any role, may assume a role of the template:
 * the role's trust policy decides, evaluated with or without MFA on the user's session.
 */
export async function mayAssume(iam: TemplateIam, roleId: string, options: { mfa: boolean }): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:iam::${ACCOUNT}:user/alice`,
      action: 'sts:AssumeRole',
      resource: { resource: iam.roleArn(roleId), accountId: ACCOUNT },
      contextVariables: {
        'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/alice`,
        'aws:PrincipalAccount': ACCOUNT,
        'aws:SecureTransport': 'true',
        'aws:MultiFactorAuthPresent': String(options.mfa),
      },
    },
    identityPolicies: [
      {
        name: 'assume-anything',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
      },
    ] as Simulation['identityPolicies'],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: iam.trustPolicy(roleId) as Simulation['resourcePolicy'],
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`test: the simulation of sts:AssumeRole on ${roleId} is invalid: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}
