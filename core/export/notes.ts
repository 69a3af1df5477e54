import { CONFIDENTIAL, type ExportDocument, NOT_AVAILABLE } from './document.ts';

/** One note of an export: its text, the setting it ran with, and how many cells it suppressed. */
export interface DisclosureNote {
  readonly text: string;
  readonly setting: string;
  readonly cells: number | string;
}

/**
 * The notes a reader needs, in the words of the GSS guidance and of τ-Argus: each rule, its setting and how many
 * cells of this table it suppressed; how secondary suppression chose its cells and what the audit verified; the
 * tables protected together with this one; and the shorthand.
 */
export function disclosureNotes(doc: ExportDocument): DisclosureNote[] {
  const { threshold, p } = doc.rules;
  const deployment = doc.deployment ?? doc.rules;
  const stricter =
    deployment.threshold !== threshold || deployment.p !== p
      ? ` (stricter than this deployment's threshold ${deployment.threshold}, p = ${deployment.p}, as requested)`
      : '';
  const notes: DisclosureNote[] = [
    {
      text: `Threshold rule: a count from fewer than ${threshold} organisations, and every total, share or median computed from fewer, is suppressed${stricter}.`,
      setting: `${threshold} organisations`,
      cells: doc.counts.threshold,
    },
    {
      text: `Dominance (p% rule): a total is suppressed where it minus its two largest contributions is less than ${p}% of the largest contribution.`,
      setting: `p = ${p}`,
      cells: doc.counts.dominance,
    },
    {
      text: 'A share or median whose count is suppressed is suppressed too.',
      setting: 'always',
      cells: doc.counts.linked,
    },
    {
      text:
        'Secondary suppression to protection levels: further cells are suppressed, chosen by linear programming at least cost ' +
        '(few cells, and cells of small contribution, as in τ-Argus), until no reader can narrow a suppressed cell beyond its ' +
        `protection level from the published cells, the totals and the tables linked to this one: the upper bound of a count under the threshold stays at least ${threshold}, ` +
        `and that of a dominated total at least the total plus ${p}% of its largest contribution.`,
      setting: 'protection levels',
      cells: doc.counts.secondary,
    },
  ];
  const history = doc.history;
  if ((doc.counts.revision ?? 0) > 0 || (history && history.compared > 0)) {
    notes.push({
      text:
        `Revisions: ${history?.compared ?? 0} cell(s) were published before from another version of the data; each whose change ` +
        `comes from fewer than ${threshold} organisations is suppressed, so that this release cannot be differenced with the earlier one.` +
        (history && history.missingVersions.length > 0
          ? ` The earlier version of wave ${history.missingVersions.join(', ')} is no longer in the lake, so those cells were compared by their published values.`
          : ''),
      setting: `${threshold} organisations`,
      cells: doc.counts.revision ?? 0,
    });
  }
  if ((doc.counts.release ?? 0) > 0 || (history && history.releases > 0)) {
    notes.push({
      text:
        `Earlier releases: ${history?.releases ?? 0} earlier release(s) show cells of this table or of a table linked to it; ` +
        'a cell they published from the same data is published again, and one they suppressed stays suppressed.' +
        (history && history.knownPrimaries > 0
          ? ` ${history.knownPrimaries} cell(s) suppressed here under the stricter settings were published, or pinned to their value, by earlier releases under laxer ones.`
          : '') +
        (history?.capped
          ? ` For ${history.capped} suppressed cell(s), earlier releases under laxer settings already bound a reader more tightly than these settings ask; they keep the widest interval any pattern can leave, so this release discloses nothing more about them.`
          : ''),
      setting: 'release ledger',
      cells: doc.counts.release ?? 0,
    });
  }
  if (doc.audit) {
    const a = doc.audit;
    notes.push({
      text:
        `Audit: before this table was written, ${a.solver} solved the intruder's linear program (${a.model.join('; ')}) for ` +
        `${a.cellsAudited} suppressed cell(s): every protection level (${a.protectionLevels}) is met, no suppressed cell can be worked out exactly, ` +
        'and exact rational elimination confirms that no suppressed cell follows from the equations alone.',
      setting: `${a.programs} program(s)`,
      cells: '',
    });
  }
  if (doc.linkedTables && doc.linkedTables.length > 0) {
    notes.push({
      text: `Linked tables: this table shares cells with ${doc.linkedTables.join('; ')}; they are protected together, so each shows the same suppression pattern whichever is published.`,
      setting: `${doc.linkedTables.length} table(s)`,
      cells: '',
    });
  }
  notes.push(
    {
      text: doc.total
        ? 'The last row is the Total, computed from the microdata.'
        : 'The Total row is left out of this file (--no-total); the suppression pattern is the one the table has with it.',
      setting: doc.total ? 'Total row shown' : 'no Total row',
      cells: '',
    },
    {
      text: `Minimums and maximums are never published.${doc.dropped.length > 0 ? ` Columns left out: ${doc.dropped.join(', ')}.` : ''}`,
      setting: 'always',
      cells: doc.dropped.length > 0 ? `${doc.dropped.length} column(s)` : 0,
    },
    {
      text: `Shorthand: ${CONFIDENTIAL} confidential (suppressed to protect organisations); ${NOT_AVAILABLE} not available (no organisation answered, or not applicable).`,
      setting: '',
      cells: '',
    },
  );
  return notes;
}
