import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { hasKey } from '../../src/i18n/index.js';
import { rootDir } from '../../src/paths.js';
import { sandboxTemplates, templateVariables, textSegments, type TemplateShape } from '../../src/whatsapp/templates.js';

const sandbox = (name: string) => {
  const t = sandboxTemplates.find((s) => s.name === name)!;
  return { parameter_format: t.parameter_format!, components: t.components } as TemplateShape;
};

describe('template variables', () => {
  it('finds nothing to fill in a template without variables', () => {
    expect(templateVariables(sandbox('hello_world'))).to.deep.equal({ format: 'POSITIONAL', body: 0, headerFormat: 'TEXT', header: 0, buttons: [] });
  });

  it('counts positional body variables and spots a URL button that takes a suffix', () => {
    expect(templateVariables(sandbox('order_update'))).to.deep.equal({
      format: 'POSITIONAL',
      body: 2,
      headerFormat: 'none',
      header: 0,
      buttons: [{ index: 0, type: 'URL', needsSuffix: true }],
    });
  });

  it('names named variables in order of first use, once each', () => {
    const v = templateVariables({
      parameter_format: 'NAMED',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Hello {{first_name}}' },
        { type: 'BODY', text: 'Hi {{first_name}}, see you at {{time}} on {{ day }}. Bye {{first_name}}!' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'YES' }, { type: 'URL', text: 'Site', url: 'https://example.com/' }, { type: 'phone_number', text: 'Call' }] },
      ],
    });
    expect(v).to.deep.equal({
      format: 'NAMED',
      body: ['first_name', 'time', 'day'],
      headerFormat: 'TEXT',
      header: ['first_name'],
      buttons: [
        { index: 0, type: 'QUICK_REPLY', needsSuffix: false },
        { index: 1, type: 'URL', needsSuffix: false },
        { index: 2, type: 'PHONE_NUMBER', needsSuffix: false },
      ],
    });
    expect(templateVariables(sandbox('appointment_reminder')).body).to.deep.equal(['first_name', 'time']);
  });

  it('reports media headers, the highest positional index, and survives odd components', () => {
    expect(templateVariables(sandbox('spring_sale'))).to.include({ headerFormat: 'IMAGE', body: 2, header: 0 });
    expect(templateVariables({ parameter_format: 'POSITIONAL', components: [{ type: 'body', text: 'A {{1}} B {{3}} C {{2}} {{1}}' }] }).body).to.equal(3);
    expect(templateVariables({ parameter_format: 'POSITIONAL', components: [{ type: 'HEADER', format: 'document' }] }).headerFormat).to.equal('DOCUMENT');
    expect(templateVariables({ parameter_format: 'POSITIONAL', components: [] })).to.deep.equal({ format: 'POSITIONAL', body: 0, headerFormat: 'none', header: 0, buttons: [] });
    expect(templateVariables({ parameter_format: undefined as never, components: undefined as never }).format).to.equal('POSITIONAL');
  });

  it('splits text into plain runs and variables for highlighting', () => {
    expect(textSegments('Hi {{1}}, order {{ order_id }}.')).to.deep.equal([
      { text: 'Hi ', variable: false },
      { text: '{{1}}', variable: true },
      { text: ', order ', variable: false },
      { text: '{{ order_id }}', variable: true },
      { text: '.', variable: false },
    ]);
    expect(textSegments(undefined)).to.deep.equal([]);
    expect(textSegments('{{1}}')).to.deep.equal([{ text: '{{1}}', variable: true }]);
  });

  it('has an English text for every channels and templates message key', () => {
    const files = ['src/whatsapp/channels-schema.ts', 'src/whatsapp/channels-service.ts', 'src/whatsapp/channels-routes.ts', 'src/whatsapp/channels-api.ts'];
    const missing: string[] = [];
    for (const file of files) {
      for (const m of fs.readFileSync(path.join(rootDir, file), 'utf8').matchAll(/'((?:channels|templates)\.[a-z0-9_.]*[a-z0-9_])'/g)) if (!hasKey(m[1])) missing.push(`${file}: ${m[1]}`);
    }
    for (const status of ['approved', 'pending', 'rejected', 'paused', 'disabled']) if (!hasKey(`templates.status.${status}`)) missing.push(status);
    for (const q of ['green', 'yellow', 'red', 'unknown']) if (!hasKey(`channels.quality.${q}`)) missing.push(q);
    expect(missing).to.deep.equal([]);
  });
});
