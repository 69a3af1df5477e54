import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addStage, deploymentOf } from './deployment.ts';

// Environment-agnostic on purpose: synth needs no credentials; `cdk deploy` takes the account and region of the
// credentials it runs with. `-c stage=prod` (default dev), `-c surveys=uk-se,fr-ess`, `-c alarmEmail=ops@...`.
const app = new App();
addStage(app, deploymentOf(app));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
