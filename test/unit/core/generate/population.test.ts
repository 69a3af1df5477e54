import { describe, expect, it } from 'vitest';
import { baseName, FR_NAMES, type NameModel, orgName, UK_NAMES } from '../../../../core/generate/names.ts';
import { INVALID_BASE, Population } from '../../../../core/generate/population.ts';
import { foldVariants, isCp1252 } from '../../../../core/generate/render.ts';
import {
  fold,
  getSurvey,
  LEGAL_FORMS,
  PARENT_BODIES,
  REGIONS_FR,
  SECTORS,
  TURNOVER_TRENDS,
} from '../../../../schemas/index.ts';

/** What org_id hashes of a name: folded, spaces stripped. */
const compact = (text: string) => fold(text).replace(/ /g, '');

describe('the name model', () => {
  it.each([
    ['uk', UK_NAMES],
    ['fr', FR_NAMES],
  ] as [string, NameModel][])(
    'gives every base name of the %s model, with every legal-form wording, its own folded text',
    (_, model) => {
      // A name is prefix + place + " " + thing + suffix, each joined at a space, so its compact form is the
      // concatenation of the parts' compact forms: fold each part once (folding 600 000 names takes seconds).
      const places = model.places.map(compact);
      const things = model.things.map(compact);
      const owner = new Map<string, number>();
      let clashes = 0;
      for (const legalForm of Object.keys(model.forms)) {
        const wordings = model.forms[legalForm]!;
        wordings.forEach(([prefix, suffix], w) => {
          const [before, after] = [compact(prefix), compact(suffix)];
          for (let index = 0; index < model.count; index++) {
            const base = baseName(model, index);
            const place = places[base % places.length]!;
            const thing = things[Math.floor(base / places.length)]!;
            const key = `${before}${place}${thing}${after}`;
            if (index % 499 === 0) {
              expect(key).toBe(compact(orgName(model, index, legalForm, (w + 0.5) / wordings.length)));
            }
            const previous = owner.get(key);
            if (previous !== undefined && previous !== index) clashes++;
            owner.set(key, index);
          }
        });
      }
      expect(clashes).toBe(0);
    },
  );

  it('writes every French name, place and answer in Windows-1252', () => {
    const texts = [
      ...FR_NAMES.places,
      ...FR_NAMES.things,
      ...[LEGAL_FORMS, SECTORS, PARENT_BODIES, TURNOVER_TRENDS, REGIONS_FR].flatMap((list) =>
        list.flatMap((entry) => entry.answers),
      ),
      ...Object.values(getSurvey('fr-ess').headers).flat(),
    ];
    expect(texts.filter((text) => !isCp1252(text))).toEqual([]);
  });

  it('varies answers only in ways that fold away', () => {
    for (const entry of [...SECTORS, ...LEGAL_FORMS, ...REGIONS_FR]) {
      for (const answer of entry.answers) {
        const variants = foldVariants(answer, true);
        expect(variants.length).toBeGreaterThan(0);
        for (const variant of variants) expect(fold(variant)).toBe(fold(answer));
      }
    }
  });
});

describe('the population', () => {
  it.each(['uk-se', 'fr-ess'])('never gives two organisations of %s the same identity', (id) => {
    const population = new Population(getSurvey(id), 7);
    const identities = new Set<string>();
    const indexes = [
      ...Array.from({ length: 30_000 }, (_, i) => i),
      ...Array.from({ length: 3_000 }, (_, i) => INVALID_BASE + i),
    ];
    for (const index of indexes) {
      const org = population.org(index);
      const identity = org.registrationNumber
        ? `reg:${compact(org.registrationNumber)}`
        : `name:${compact(org.name)}|${compact(org.postcode)}`;
      expect(identities.has(identity)).toBe(false);
      identities.add(identity);
    }
    // Organisations that share a base name (index apart by a multiple of the name count) differ by postcode.
    const model = id === 'uk-se' ? UK_NAMES : FR_NAMES;
    const postcodes = new Set([0, 1, 2, 3, 4, 5].map((k) => population.org(123 + k * model.count).postcode));
    expect(postcodes.size).toBe(6);
  });

  it('is a function of the seed: the same organisation twice, another seed another organisation', () => {
    const a = new Population(getSurvey('uk-se'), 1);
    const b = new Population(getSurvey('uk-se'), 1);
    const c = new Population(getSurvey('uk-se'), 2);
    expect(a.org(42)).toEqual(b.org(42));
    expect(a.org(42)).not.toEqual(c.org(42));
    expect(a.turnover(a.org(42), 2022)).toBe(b.turnover(b.org(42), 2022));
  });

  it('spins organisations out mostly between 2011 and 2015, mostly from NHS bodies and councils', () => {
    const population = new Population(getSurvey('uk-se'), 3);
    const spinouts = Array.from({ length: 20_000 }, (_, i) => population.org(i)).filter((org) => org.isSpinout);
    const share = (test: (org: (typeof spinouts)[number]) => boolean) => spinouts.filter(test).length / spinouts.length;
    expect(spinouts.length).toBeGreaterThan(3000);
    expect(share((org) => org.spinoutYear! >= 2011 && org.spinoutYear! <= 2015)).toBeGreaterThan(0.55);
    expect(share((org) => org.parentBody === 'health_service' || org.parentBody === 'local_authority')).toBeGreaterThan(
      0.8,
    );
    expect(share((org) => org.sector === 'health' || org.sector === 'social_care')).toBeGreaterThan(0.5);
    const turnovers = spinouts.map((org) => population.turnover(org, 2019)).sort((x, y) => x - y);
    const median = turnovers[Math.floor(turnovers.length / 2)]!;
    expect(median).toBeGreaterThan(600_000);
    expect(median).toBeLessThan(1_600_000);
  });

  it('makes associations most of the French population', () => {
    const population = new Population(getSurvey('fr-ess'), 3);
    const forms = Array.from({ length: 10_000 }, (_, i) => population.org(i).legalForm);
    const share = (form: string) => forms.filter((f) => f === form).length / forms.length;
    expect(share('association')).toBeGreaterThan(0.65);
    expect(share('cooperative')).toBeGreaterThan(0.08);
    expect(share('mutual')).toBeGreaterThan(0.03);
  });
});
