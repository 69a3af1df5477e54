import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addStage, deploymentOf } from './deployment.ts';

// Environment-agnostic on purpose: synth needs no credentials; `cdk deploy` takes the account and region of the
// credentials it runs with. `-c stage=prod` (default dev), `-c surveys=uk-se,fr-ess`, `-c alarmEmail=ops@...`.
const app = new App();
try {
  addStage(app, deploymentOf(app));
} catch (error) {
  // A bad context value is the user's to fix: its one line, not a stack trace.
  if (!(error instanceof Error) || !error.message.startsWith('infra: ')) throw error;
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
