/**
 * What "no string left untranslated" means for one i18next catalogue against English: the same
 * keys (plural forms counted by the categories each language has, Intl.PluralRules), every
 * value non-empty, the same {{placeholders}} and <tags> in each, no extra keys. Used by the
 * desktop's and the CLI's catalogue tests; answers the problems, empty when there are none.
 */
type Catalogue = { [key: string]: string | Catalogue };

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(c: Catalogue, prefix = '', out = new Map<string, string>()) {
  for (const [k, v] of Object.entries(c)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}

/** `{{name}}` (format options after a comma ignored) and `<tag>` names, sorted. */
function markers(value: string): string[] {
  const names = [...value.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => `{{${m[1]}}}`);
  const tags = [...value.matchAll(/<\/?([a-zA-Z0-9]+)\s*\/?>/g)].map((m) => `<${m[1]}>`);
  return [...new Set([...names, ...tags])].sort();
}

/** base key -> the values of its forms (a non-plural key has one form, itself) */
function byBase(flat: Map<string, string>) {
  const bases = new Map<string, Map<string, string>>();
  for (const [key, value] of flat) {
    const m = PLURAL.exec(key);
    const base = m ? key.slice(0, -m[0].length) : key;
    const forms = bases.get(base) ?? new Map<string, string>();
    forms.set(m ? m[1]! : '', value);
    bases.set(base, forms);
  }
  return bases;
}

export function catalogueProblems(en: Catalogue, other: Catalogue, otherLocale: string): string[] {
  const problems: string[] = [];
  const enBases = byBase(flatten(en));
  const otherBases = byBase(flatten(other));
  const categories = new Intl.PluralRules(otherLocale).resolvedOptions().pluralCategories;
  for (const [base, enForms] of enBases) {
    const forms = otherBases.get(base);
    if (!forms) {
      problems.push(`${base}: missing`);
      continue;
    }
    const plural = !enForms.has('');
    if (plural) {
      for (const c of categories)
        if (!forms.has(c)) problems.push(`${base}_${c}: missing plural form`);
    } else if (!forms.has('')) problems.push(`${base}: plural forms where English has one`);
    const enMarkers = markers(enForms.get('other') ?? enForms.get('')!).join(' ');
    for (const [form, value] of forms) {
      const key = form ? `${base}_${form}` : base;
      if (!value.trim()) problems.push(`${key}: empty`);
      const got = markers(value).join(' ');
      if (got !== enMarkers) problems.push(`${key}: placeholders "${got}", English "${enMarkers}"`);
    }
  }
  for (const [base, forms] of otherBases) {
    if (!enBases.has(base)) {
      problems.push(`${base}: not in English`);
      continue;
    }
    for (const form of forms.keys())
      if (form && !categories.includes(form as Intl.LDMLPluralRule))
        problems.push(`${base}_${form}: ${otherLocale} has no such plural form`);
  }
  return problems;
}
