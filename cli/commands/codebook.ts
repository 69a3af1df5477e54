// `survey codebook --survey <id> [--json]`: prints the codebook of one survey, derived from schemas/.
import { codebookJson, getSurvey, renderCodebook, UnknownSurveyError } from '../../schemas/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption, SURVEY_IDS } from '../command.ts';

/** Prints the readable codebook of a survey, or with --json its JSON Schema, headers and code lists. */
export const command: Command = {
  help: {
    usage: ['codebook --survey <id> [--json]'],
    description:
      'The survey instrument printed from the schema: every field with its rule, unit and code list, and the headers each survey accepts.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--json', 'the JSON Schema, headers and code lists instead'],
    ],
    examples: ['codebook --survey fr-ess'],
  },
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        survey: { type: 'string' },
        json: { type: 'boolean', default: false },
        // Accepted so that every command takes --lake (DESIGN.md); the codebook does not read the lake.
        lake: { type: 'string' },
      },
      false,
    );
    const id = requireOption(values, 'survey');
    let survey: ReturnType<typeof getSurvey>;
    try {
      survey = getSurvey(id);
    } catch (error) {
      if (error instanceof UnknownSurveyError) throw new CliError(error.message, 2, { cause: error });
      throw error;
    }
    process.stdout.write(values.json ? `${JSON.stringify(codebookJson(survey), null, 2)}\n` : renderCodebook(survey));
    return 0;
  },
};
