// The sections of the bulletin: which saved query, with which parameters, charting which columns, under which
// title. A saved query joins the bulletin with one entry here.
import type { SurveyDefinition } from '../../schemas/index.ts';

/** What a section is drawn from: the wave, and the survey's waves in the lake. */
export interface SectionContext {
  readonly survey: SurveyDefinition;
  readonly wave: number;
  /** The latest wave of the survey before `wave`, when the lake holds one. */
  readonly previousWave?: number;
}

/** One section of the bulletin: a saved query, its parameters, its chart and title. */
export interface BulletinSectionSpec {
  /** The saved query. */
  readonly query: string;
  /** The raw parameters, or undefined when the section does not apply (no earlier wave for a panel). */
  readonly params: (context: SectionContext) => Record<string, string> | undefined;
  /** The section's title in plain words. */
  readonly title: (context: SectionContext) => string;
  /** The columns charted; with two or more, bars are grouped. */
  readonly measures: readonly string[];
  /**
   * What the chart's categories are: the table's rows (sectors, each measure a series), or the measures (each
   * row a series, as in spin-outs against other organisations).
   */
  readonly categories?: 'rows' | 'measures';
  /** @default 'horizontal' */
  readonly orientation?: 'horizontal' | 'vertical';
  /** Add the Total row, as an export does. @default true */
  readonly total?: boolean;
}

/** The sections of the bulletin, in order; a new saved query becomes a section by adding one entry. */
export const BULLETIN_SECTIONS: readonly BulletinSectionSpec[] = [
  {
    query: 'spinouts_by_sector',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `Public-sector spin-outs by sector, ${wave}`,
    measures: ['spinouts'],
  },
  {
    query: 'wave_summary',
    params: ({ survey }) => ({ survey: survey.id }),
    title: () => 'Responses and spin-outs in each wave of the survey',
    measures: ['responses', 'spinouts'],
    orientation: 'vertical',
    // A sum over waves counts an organisation once per wave it answered: not a figure anyone should read.
    total: false,
  },
  {
    query: 'spinouts_by_parent_body',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `Spin-outs by the kind of public body they left, ${wave}`,
    measures: ['spinouts'],
  },
  {
    query: 'spinout_cohorts',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `When the spin-outs of ${wave} left the public sector`,
    measures: ['spinouts'],
    orientation: 'vertical',
  },
  {
    query: 'sector_profile',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `Paid staff by sector, ${wave}`,
    measures: ['employees_total'],
  },
  {
    query: 'growth_by_sector',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `Organisations whose turnover increased, by sector, ${wave}`,
    measures: ['share_increased'],
  },
  {
    query: 'panel_growth',
    params: ({ survey, wave, previousWave }) =>
      previousWave === undefined
        ? undefined
        : { survey: survey.id, from_wave: String(previousWave), to_wave: String(wave) },
    title: ({ wave, previousWave }) =>
      `Turnover growth of the same organisations from ${previousWave} to ${wave}, by sector`,
    measures: ['median_turnover_growth'],
  },
  {
    query: 'regional_profile',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `Organisations by region, ${wave}`,
    measures: ['organisations'],
  },
  {
    query: 'governance_and_value',
    params: ({ survey, wave }) => ({ survey: survey.id, wave: String(wave) }),
    title: ({ wave }) => `Governance and social value: spin-outs and other organisations, ${wave}`,
    measures: [
      'share_employee_owned',
      'share_staff_voice_strategy',
      'share_staff_voice_policy',
      'share_staff_voice_operations',
      'share_measures_social_value',
      'share_new_services',
    ],
    categories: 'measures',
  },
];
