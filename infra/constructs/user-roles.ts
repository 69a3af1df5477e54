import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DataLake } from './data-lake.ts';
import { acknowledgeWildcards, nagArn } from './nag.ts';
import type { QueryWorkgroup } from './query-workgroup.ts';
import type { ServiceFunctions } from './service-functions.ts';
import type { SurveyFunction } from './survey-function.ts';

/** Props of {@link UserRoles}. */
export interface UserRolesProps {
  /** The lake the roles read. */
  readonly lake: DataLake;
  /** The workgroup analysts query in. */
  readonly workgroup: QueryWorkgroup;
  /** The functions each kind of user may invoke. */
  readonly functions: ServiceFunctions;
  /**
   * The ingest function's role: with each team, the only reader of that team's uploads and rejected rows, and the
   * only writer of curated/ and reports/.
   */
  readonly ingestRole: iam.IRole;
  /** The surveys that get a research-team role of their own. */
  readonly surveys: readonly string[];
  /** Who may assume the roles. @default the stack's account (its IAM policies then decide who) */
  readonly trustedPrincipal?: iam.PrincipalBase;
  /**
   * Whether the assuming session must have signed in with MFA (aws:MultiFactorAuthPresent). Turn it off only when
   * `trustedPrincipal` is IAM Identity Center permission-set roles, whose sessions never carry the key and whose
   * MFA Identity Center enforces (infra/README.md). @default true
   */
  readonly requireMfa?: boolean;
}

/**
 * One IAM role per kind of user (DESIGN.md "Cloud deployment"), each with only what that user does, and assumable
 * only by a session signed in with MFA:
 *
 * - a research team per survey reads its own survey's uploads and reports (rejected rows included) and uploads
 *   through its own alias of the upload-url function; it cannot write raw/ directly nor see another survey;
 * - policy analysts run the workgroup's queries, read curated/, and write the calibration weights (weights/ in
 *   the curated bucket, `survey weight`), the one writer of them;
 * - departments read exports/.
 *
 * None of them can write curated/ or reports/: only the ingest function's role can (DataLake.restrictWrites).
 * For an organisation that signs in through IAM Identity Center, whose sessions carry no
 * aws:MultiFactorAuthPresent, see `requireMfa` and infra/README.md.
 */
export class UserRoles extends Construct {
  /** One research-team role per survey, by survey id. */
  readonly researchTeams: ReadonlyMap<string, iam.Role>;
  /** Runs saved queries in the workgroup, reads curated/, and writes the calibration weights (weights/). */
  readonly policyAnalyst: iam.Role;
  /** Reads aggregate exports only. */
  readonly department: iam.Role;

  /** Creates the roles and fences each survey's personal data to its team and the ingest function. */
  constructor(scope: Construct, id: string, props: UserRolesProps) {
    super(scope, id);
    const { lake, workgroup, functions } = props;
    const trusted = props.trustedPrincipal ?? new iam.AccountRootPrincipal();
    // Long-lived keys alone cannot assume these roles: the session must have signed in with MFA.
    const assumedBy =
      props.requireMfa === false ? trusted : trusted.withConditions({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
    const role = (roleId: string, description: string) => new iam.Role(this, roleId, { assumedBy, description });

    this.researchTeams = new Map(
      props.surveys.map((survey) => {
        const team = role(
          `ResearchTeamRole-${survey}`,
          `Research team of survey ${survey}: uploads through the upload URL, reads its own uploads and reports`,
        );
        lake.grantReadSurvey(team, survey);
        functions.grantUpload(survey, team);
        return [survey, team];
      }),
    );
    lake.containPersonalData(props.ingestRole, this.researchTeams);

    this.policyAnalyst = role(
      'PolicyAnalystRole',
      'Policy analysts: run saved queries in the Athena workgroup, read curated data, write calibration weights',
    );
    workgroup.grantQuery(this.policyAnalyst);
    grantInvoke(functions.query, this.policyAnalyst);
    // Weighting is an analyst's act (a frame chosen for a wave, after its ingest), so in the cloud the analysts
    // run survey weight --lake s3://<curated bucket> and are the one writer of weights/; the ingest writes the rest.
    lake.grantReadWriteWeights(this.policyAnalyst);
    lake.restrictWrites(props.ingestRole, this.policyAnalyst);

    this.department = role('DepartmentRole', 'Government departments: read aggregate exports only');
    lake.grantReadExports(this.department);
    grantInvoke(functions.export, this.department);
  }
}

/** Lets a role invoke a function; CDK's grant also covers the function's versions and aliases ("<arn>:*"). */
function grantInvoke(fn: SurveyFunction, role: iam.Role): void {
  fn.grantInvoke(role);
  acknowledgeWildcards(
    role,
    [`Resource::${nagArn(role, fn.functionArn)}:*`],
    'lambda:InvokeFunction on one function and its own versions and aliases only (CDK grantInvoke)',
  );
}
