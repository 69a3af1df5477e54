import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DataLake } from './data-lake.ts';
import { acknowledgeWildcards, nagArn } from './nag.ts';
import type { QueryWorkgroup } from './query-workgroup.ts';
import type { ServiceFunctions } from './service-functions.ts';
import type { SurveyFunction } from './survey-function.ts';

/** Props of {@link UserRoles}. */
export interface UserRolesProps {
  /** The lake the roles read and upload to. */
  readonly lake: DataLake;
  /** The workgroup analysts query in. */
  readonly workgroup: QueryWorkgroup;
  /** The functions each kind of user may invoke. */
  readonly functions: ServiceFunctions;
  /** Who may assume the roles. @default the stack's account (its IAM policies then decide who) */
  readonly trustedPrincipal?: iam.IPrincipal;
}

/**
 * One IAM role per kind of user (DESIGN.md "Cloud deployment"), each with only what that user does:
 * research teams upload to raw/ and read reports/; policy analysts run the workgroup's queries and read
 * curated/; departments read exports/. None of them can write curated/ or reports/.
 */
export class UserRoles extends Construct {
  /** Uploads waves to raw/ and reads their validation reports. */
  readonly researchTeam: iam.Role;
  /** Runs saved queries in the workgroup and reads curated/. */
  readonly policyAnalyst: iam.Role;
  /** Reads aggregate exports only. */
  readonly department: iam.Role;

  /** Creates the three roles. */
  constructor(scope: Construct, id: string, props: UserRolesProps) {
    super(scope, id);
    const assumedBy = props.trustedPrincipal ?? new iam.AccountRootPrincipal();
    const { lake, workgroup, functions } = props;

    this.researchTeam = new iam.Role(this, 'ResearchTeamRole', {
      assumedBy,
      description: 'Research teams: upload survey waves to raw/ and read their validation reports',
    });
    lake.grantPutRaw(this.researchTeam);
    lake.grantReadReports(this.researchTeam);
    grantInvoke(functions.uploadUrl, this.researchTeam);

    this.policyAnalyst = new iam.Role(this, 'PolicyAnalystRole', {
      assumedBy,
      description: 'Policy analysts: run saved queries in the Athena workgroup and read curated data',
    });
    workgroup.grantQuery(this.policyAnalyst);
    grantInvoke(functions.query, this.policyAnalyst);

    this.department = new iam.Role(this, 'DepartmentRole', {
      assumedBy,
      description: 'Government departments: read aggregate exports only',
    });
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
