import { describe, expect, it } from 'vitest';
import { frameCsv, parseFrame, WeightError } from '../../../../core/weight/index.ts';
import { getSurvey } from '../../../../schemas/index.ts';

const uk = getSurvey('uk-se');
const fr = getSurvey('fr-ess');

const FRAME = `region,legal_form,size_band,organisations
TLC,cic,0,12
TLC,cic,1-9,30
TLI,charity,250+,3
TLI,cic,10-49,0
`;

/** The one-line message a frame is refused with. */
function refusal(text: string, survey = uk): string {
  try {
    parseFrame(text, survey, 'frame.csv');
  } catch (error) {
    expect(error).toBeInstanceOf(WeightError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected the frame to be refused');
}

describe('parseFrame', () => {
  it('reads the cells and sums the organisations of each margin category', () => {
    const frame = parseFrame(FRAME, uk);
    expect(frame.cells).toHaveLength(4);
    expect(frame.organisations).toBe(45);
    expect([...frame.margins.region]).toEqual([
      ['TLC', 42],
      ['TLI', 3],
    ]);
    expect(frame.margins.legal_form.get('cic')).toBe(42);
    expect(frame.margins.size_band.get('10-49')).toBe(0);
    expect(frame.margins.size_band.has('50-249')).toBe(false);
  });

  it('takes the columns in any order, a byte-order mark, CRLF line ends and spaces around cells', () => {
    const text = '\uFEFForganisations,size_band,region,legal_form\r\n 12 ,0, TLC ,cic\r\n30,1-9,TLC,cic\r\n';
    const frame = parseFrame(text, uk);
    expect(frame.cells).toEqual([
      { region: 'TLC', legal_form: 'cic', size_band: '0', organisations: 12 },
      { region: 'TLC', legal_form: 'cic', size_band: '1-9', organisations: 30 },
    ]);
  });

  it('reads back what frameCsv writes', () => {
    const frame = parseFrame(FRAME, uk);
    expect(parseFrame(frameCsv(frame.cells), uk).cells).toEqual(frame.cells);
  });

  it('refuses a header that is not exactly the four columns', () => {
    expect(refusal('region,legal_form,organisations\nTLC,cic,3\n')).toMatch(
      /^weight: frame.csv: the header must be region,legal_form,size_band,organisations, got "region,legal_form,organisations"$/,
    );
    expect(refusal('region,legal_form,size_band,organisations,note\nTLC,cic,0,3,x\n')).toMatch(/the header must be/);
  });

  it('refuses an unknown code, naming the row, the value and what the survey accepts', () => {
    expect(refusal(`${FRAME}TLZ,cic,0,3\n`)).toBe(
      'weight: frame.csv: row 6: unknown region "TLZ" for survey uk-se; expected one of TLC, TLD, TLE, TLF, TLG, TLH, TLI, TLJ, TLK, TLL, TLM, TLN',
    );
    // A French region is not a code of the UK survey, and the other way round.
    expect(refusal(`${FRAME}FR-IDF,cic,0,3\n`)).toMatch(/row 6: unknown region "FR-IDF" for survey uk-se/);
    expect(refusal('region,legal_form,size_band,organisations\nTLC,association,0,3\n', fr)).toMatch(
      /unknown region "TLC" for survey fr-ess/,
    );
    expect(refusal(`${FRAME}TLC,sole_trader,0,3\n`)).toMatch(/row 6: unknown legal_form "sole_trader"/);
    expect(refusal(`${FRAME}TLC,cic,10-20,3\n`)).toMatch(
      /row 6: unknown size_band "10-20" for survey uk-se; expected one of 0, 1-9, 10-49, 50-249, 250\+$/,
    );
  });

  it('refuses a count that is not a whole number >= 0, a repeated cell and a short row', () => {
    expect(refusal(`${FRAME}TLD,cic,0,12.5\n`)).toMatch(/row 6: organisations must be a whole number >= 0, got "12.5"/);
    expect(refusal(`${FRAME}TLD,cic,0,-3\n`)).toMatch(/got "-3"/);
    expect(refusal(`${FRAME}TLC,cic,1-9,4\n`)).toBe('weight: frame.csv: row 6 repeats the cell TLC,cic,1-9 of row 3');
    expect(refusal(`${FRAME}TLD,cic,0\n`)).toBe('weight: frame.csv: row 6 has 3 cells, expected 4');
  });

  it('refuses a frame with no organisations at all', () => {
    expect(refusal('region,legal_form,size_band,organisations\nTLC,cic,0,0\n')).toMatch(/no organisations/);
    expect(refusal('region,legal_form,size_band,organisations\n')).toMatch(/no organisations/);
  });
});
