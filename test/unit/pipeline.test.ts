import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { hasKey, translator } from '../../src/i18n/index.js';
import { rootDir } from '../../src/paths.js';
import { summarizeColumn } from '../../src/pipeline/board.js';
import { csvCell, csvLine } from '../../src/pipeline/csv.js';
import { closeRange } from '../../src/pipeline/deals.js';
import { addAmounts, minorUnits, normalizeAmount, presentAmount, weightAmount } from '../../src/pipeline/money.js';
import type { StageRow } from '../../src/pipeline/repo.js';
import { checkCustomFields, fieldKey } from '../../src/pipeline/service.js';
import { barChart } from '../../src/reports/charts.js';
import { duration, monthsBack } from '../../src/reports/build.js';

describe('pipeline money', () => {
  it('accepts decimal strings with no more decimals than the currency has', () => {
    expect(normalizeAmount('12345678901234.56', 'USD')).to.equal('12345678901234.56');
    expect(normalizeAmount(' 1,234.5 ', 'USD')).to.equal('1234.5');
    expect(normalizeAmount('007', 'USD')).to.equal('7');
    expect(normalizeAmount('1500', 'JPY')).to.equal('1500');
    expect(normalizeAmount('1.125', 'KWD')).to.equal('1.125');
    for (const bad of ['1.234', '1e3', '-1', '+1', '1,23', '', '.5', '1.', 'NaN', '12345678901234567']) expect(normalizeAmount(bad, 'USD'), bad).to.equal(null);
    expect(normalizeAmount('1.5', 'JPY')).to.equal(null);
    expect([minorUnits('USD'), minorUnits('JPY'), minorUnits('BHD')]).to.deep.equal([2, 0, 3]);
  });

  it('presents, weights and adds amounts exactly, rounding half away from zero', () => {
    expect(presentAmount('12345678901234.5600', 'USD')).to.equal('12345678901234.56');
    expect(presentAmount('1500.0000', 'JPY')).to.equal('1500');
    expect(presentAmount('0.125', 'USD')).to.equal('0.13');
    expect(presentAmount(null, 'USD')).to.equal('0.00');
    expect(weightAmount('1250.2500', 50, 'USD')).to.equal('625.13');
    expect(weightAmount('99.9900', 75, 'USD')).to.equal('74.99');
    expect(weightAmount('12345678901234.5600', 75, 'USD')).to.equal('9259259175925.92');
    expect(addAmounts(['0.1', '0.2'], 'USD')).to.equal('0.30');
    expect(addAmounts(['99999999999999999.99', '0.01'], 'USD')).to.equal('100000000000000000.00');
  });

  it('sums a column per currency, the workspace currency first', () => {
    const stage = { id: 's1', probability: 25 } as StageRow;
    const summary = summarizeColumn(
      stage,
      [
        { stage_id: 's1', currency: 'USD', count: 2, total: '100.0000' },
        { stage_id: 's1', currency: 'EUR', count: 1, total: '5.5000' },
        { stage_id: 's2', currency: 'USD', count: 9, total: '9.0000' },
      ],
      'USD',
    );
    expect(summary).to.deep.equal({ count: 3, currency: 'USD', total: '100.00', weighted: '25.00', others: [{ currency: 'EUR', count: 1, total: '5.50' }] });
    expect(summarizeColumn({ id: 's3', probability: null } as StageRow, [], 'USD')).to.include({ count: 0, total: '0.00', weighted: null });
  });
});

describe('pipeline helpers', () => {
  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).to.equal('plain');
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('=SUM(A1)')).to.equal("'=SUM(A1)");
    expect(csvCell('@cmd')).to.equal("'@cmd");
    expect(csvCell(null)).to.equal('');
    expect(csvCell(['a', 'b'])).to.equal('"a, b"');
    expect(csvCell(new Date('2026-01-02T03:04:05Z'))).to.equal('2026-01-02T03:04:05.000Z');
    expect(csvLine(['x', 1, null])).to.equal('x,1,\r\n');
  });

  it('turns close-date periods into date ranges in the workspace time zone', () => {
    const now = new Date('2026-03-31T23:30:00Z'); // Tuesday; already April 1st in Tokyo
    expect(closeRange('overdue', 'UTC', now)).to.deep.equal([null, '2026-03-30']);
    expect(closeRange('this_week', 'UTC', now)).to.deep.equal(['2026-03-30', '2026-04-05']);
    expect(closeRange('this_month', 'UTC', now)).to.deep.equal(['2026-03-01', '2026-03-31']);
    expect(closeRange('next_month', 'UTC', now)).to.deep.equal(['2026-04-01', '2026-04-30']);
    expect(closeRange('this_month', 'Asia/Tokyo', now)).to.deep.equal(['2026-04-01', '2026-04-30']);
    expect(closeRange('next_month', 'UTC', new Date('2026-12-15T12:00:00Z'))).to.deep.equal(['2027-01-01', '2027-01-31']);
  });

  it('validates custom field values by type and makes field keys from labels', () => {
    const defs = [
      { key: 'budget', type: 'number', options: [] },
      { key: 'size', type: 'select', options: ['S', 'L'] },
      { key: 'when', type: 'date', options: [] },
      { key: 'memo', type: 'text', options: [] },
    ] as never;
    expect(checkCustomFields(defs, { budget: '-12.5', size: 'S', when: '2026-02-28', memo: ' hi ' })).to.deep.equal({ budget: '-12.5', size: 'S', when: '2026-02-28', memo: 'hi' });
    expect(checkCustomFields(defs, { budget: '', size: null })).to.deep.equal({ budget: null, size: null });
    expect(() => checkCustomFields(defs, { budget: '1e9' })).to.throw();
    expect(() => checkCustomFields(defs, { size: 'XL' })).to.throw();
    expect(() => checkCustomFields(defs, { when: '28/02/2026' })).to.throw();
    expect(() => checkCustomFields(defs, { other: 'x' })).to.throw();
    expect(fieldKey('Budget (USD)')).to.equal('budget_usd');
    expect(fieldKey('Região de entrega')).to.equal('regiao_de_entrega');
    expect(fieldKey('!!!')).to.equal('field');
  });

  it('draws escaped, class-styled SVG bar charts and formats report durations and months', () => {
    const svg = barChart([{ label: '<b>Big</b> & co', value: 10, display: '$10.00' }, { label: 'Zero', value: 0, display: '$0.00' }], { title: 'Value', id: 'c1' });
    expect(svg).to.contain('&#60;b&#62;Big&#60;/b&#62; &#38; co').and.not.contain('<b>');
    expect(svg).to.contain('class="chart-bar accent"').and.not.contain('style=');
    expect(svg).to.match(/<rect class="chart-bar accent" x="140" y="38" width="0"/);
    const t = translator('en-US');
    expect([duration(t, null), duration(t, 30), duration(t, 600), duration(t, 5400), duration(t, 86400), duration(t, 3 * 86400 + 3600)]).to.deep.equal([
      '—',
      '1 min',
      '10 min',
      '1.5 h',
      '1 day',
      '3 days',
    ]);
    expect(monthsBack('2026-02-10', 3)).to.deep.equal(['2025-12', '2026-01', '2026-02']);
  });

  it('has an English text for every message key the pipeline and reports code uses', () => {
    const missing: string[] = [];
    for (const dir of ['src/pipeline', 'src/reports']) {
      for (const file of fs.readdirSync(path.join(rootDir, dir))) {
        const text = fs.readFileSync(path.join(rootDir, dir, file), 'utf8');
        for (const m of text.matchAll(/'((?:deals|pipeline|stages|reports|lost_reasons|deal_fields)\.[a-z0-9_.]*[a-z0-9_])'/g)) {
          // Audit actions ('deal.moved', 'pipeline.created') are keys under audit.
          if (!hasKey(m[1]) && !hasKey(`audit.${m[1]}`)) missing.push(`${dir}/${file}: ${m[1]}`);
        }
        for (const m of text.matchAll(/action: '([a-z_]+\.[a-z_]+)'/g)) if (!hasKey(`audit.${m[1]}`)) missing.push(`${dir}/${file}: audit.${m[1]}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
