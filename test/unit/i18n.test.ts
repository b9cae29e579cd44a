import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { formatter, hasKey, translator } from '../../src/i18n/index.js';
import { rootDir } from '../../src/paths.js';

function filesUnder(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

describe('translations and formats', () => {
  it('has an English text for every key the templates and code use', () => {
    const missing: string[] = [];
    const sources = [...filesUnder(path.join(rootDir, 'views'), '.ejs'), ...filesUnder(path.join(rootDir, 'src'), '.ts')];
    for (const file of sources) {
      const text = fs.readFileSync(file, 'utf8');
      // t('some.key'), plus keys handed around as values ('validation.required', 'auth.email_taken' ...).
      for (const m of text.matchAll(/\bt\(\s*'([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)'(?!\s*\+)/g)) if (!hasKey(m[1])) missing.push(`${path.relative(rootDir, file)}: ${m[1]}`);
      for (const m of text.matchAll(/'((?:validation|auth|members|invitations|errors|settings|api|account)\.[a-z0-9_.]*[a-z0-9_])'/g)) {
        if (!hasKey(m[1])) missing.push(`${path.relative(rootDir, file)}: ${m[1]}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('interpolates, pluralises, and passes unknown text through', () => {
    const t = translator('en-US');
    expect(t('members.invited', { email: 'a@b.c' })).to.equal('Invitation sent to a@b.c.');
    expect(t('members.list_title', { count: 1 })).to.equal('1 member');
    expect(t('members.list_title', { count: 3 })).to.equal('3 members');
    expect(t('Some literal text')).to.equal('Some literal text');
  });

  it('formats dates, times and money for the workspace locale and time zone', () => {
    const us = formatter('en-US', 'America/New_York', 'USD');
    const gb = formatter('en-GB', 'Europe/London', 'GBP');
    const at = new Date('2026-03-05T02:30:00Z');
    expect(us.date(at)).to.equal('Mar 4, 2026');
    expect(gb.date(at)).to.equal('5 Mar 2026');
    expect(us.time(at)).to.match(/^9:30\sPM$/);
    expect(us.money('1234.50')).to.equal('$1,234.50');
    expect(gb.money('1234.5')).to.equal('£1,234.50');
    expect(us.money('1234.5', 'BRL')).to.equal('R$1,234.50');
    // Exact decimals: no float rounding on large values.
    expect(us.money('12345678901234567.89')).to.equal('$12,345,678,901,234,567.89');
    // A calendar date stays that day in any time zone.
    expect(formatter('en-US', 'Pacific/Honolulu', 'USD').date('2026-03-05')).to.equal('Mar 5, 2026');
    expect(us.relative(new Date(Date.now() - 5 * 60_000))).to.equal('5 min. ago');
  });
});
