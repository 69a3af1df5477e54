import { describe, expect, it } from 'vitest';
import { getSavedQuery, QueryError, validateParams } from '../../../../core/queries/index.ts';

const context = {
  surveys: ['uk-se', 'fr-ess'],
  waves: [
    { survey: 'uk-se', wave: 2021 },
    { survey: 'uk-se', wave: 2023 },
    { survey: 'fr-ess', wave: 2023 },
  ],
};
const bySector = getSavedQuery('spinouts_by_sector');
const panel = getSavedQuery('panel_growth');

function refusal(attempt: () => unknown): string {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected a refusal');
}

describe('validateParams', () => {
  it('returns typed values in the order of the ? marks', () => {
    expect(validateParams(bySector, { wave: '2023', survey: 'uk-se' }, context)).toEqual(['uk-se', 2023]);
    expect(validateParams(panel, { survey: 'uk-se', from_wave: '2021', to_wave: '2023' }, context)).toEqual([
      'uk-se',
      2021,
      'uk-se',
      2023,
    ]);
  });

  it('refuses a wave that is not a year', () => {
    expect(refusal(() => validateParams(bySector, { survey: 'uk-se', wave: 'abc' }, context))).toMatch(
      /parameter wave must be a year like 2023, got "abc"/,
    );
  });

  it('refuses SQL in a parameter', () => {
    const message = refusal(() =>
      validateParams(bySector, { survey: 'uk-se', wave: '2023; drop table responses' }, context),
    );
    expect(message).toMatch(/must be a year like 2023, got "2023; drop table responses"/);
  });

  it('refuses a survey id with quotes, and one that does not exist', () => {
    expect(refusal(() => validateParams(bySector, { survey: "uk-se' or '1'='1", wave: '2023' }, context))).toMatch(
      /parameter survey must be a survey id, one of uk-se, fr-ess; got "uk-se' or '1'='1"/,
    );
    expect(refusal(() => validateParams(bySector, { survey: 'de-sw', wave: '2023' }, context))).toMatch(/got "de-sw"/);
  });

  it('refuses a missing parameter, saying how to give it', () => {
    expect(refusal(() => validateParams(bySector, { survey: 'uk-se' }, context))).toMatch(
      /needs parameter wave .*--param wave=<value>/,
    );
  });

  it('refuses an extra parameter, naming the ones that exist', () => {
    expect(refusal(() => validateParams(bySector, { survey: 'uk-se', wave: '2023', sector: 'x' }, context))).toMatch(
      /has no parameter "sector"; its parameters are survey, wave/,
    );
  });

  it('refuses a wave that was never ingested, naming the waves of that survey in the lake', () => {
    expect(refusal(() => validateParams(bySector, { survey: 'uk-se', wave: '2019' }, context))).toMatch(
      /wave 2019 of survey uk-se was never ingested; waves in the lake: 2021, 2023$/,
    );
    expect(refusal(() => validateParams(bySector, { survey: 'fr-ess', wave: '2021' }, context))).toMatch(
      /waves in the lake: 2023$/,
    );
  });

  it('checks the form of a wave only when the lake was not listed', () => {
    expect(validateParams(bySector, { survey: 'uk-se', wave: '2019' }, { surveys: ['uk-se'] })).toEqual([
      'uk-se',
      2019,
    ]);
  });

  it('refuses a panel whose from_wave is not before its to_wave', () => {
    expect(
      refusal(() => validateParams(panel, { survey: 'uk-se', from_wave: '2023', to_wave: '2021' }, context)),
    ).toMatch(/from_wave must be an earlier wave than to_wave, got 2023 and 2021/);
  });

  it('cuts a very long bad value short so that the message stays one short line', () => {
    const message = refusal(() => validateParams(bySector, { survey: 'uk-se', wave: 'x'.repeat(5000) }, context));
    expect(message.length).toBeLessThan(200);
  });
});
