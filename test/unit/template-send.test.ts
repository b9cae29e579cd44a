import { expect } from 'chai';
import { Invalid } from '../../src/web/errors.js';
import { prepareTemplate, variablesIn, type TemplateRecord } from '../../src/whatsapp/template-send.js';

const positional: TemplateRecord = {
  name: 'order_update',
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  parameter_format: 'POSITIONAL',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' },
    { type: 'FOOTER', text: 'Reply STOP to opt out' },
    { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://shop.example/track/{{1}}' }, { type: 'QUICK_REPLY', text: 'Thanks' }] },
  ],
};

const named: TemplateRecord = {
  name: 'appointment_reminder',
  language: 'pt_BR',
  status: 'APPROVED',
  category: 'UTILITY',
  parameter_format: 'NAMED',
  components: [
    { type: 'HEADER', format: 'IMAGE' },
    { type: 'BODY', text: 'Olá {{first_name}}, sua visita é às {{time}}.' },
  ],
};

function fieldsOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (err) {
    if (err instanceof Invalid) return err.fields;
    throw err;
  }
  throw new Error('expected Invalid');
}

describe('template sending rules', () => {
  it('lists variables in order of appearance', () => {
    expect(variablesIn('Hi {{1}}, {{2}} and {{1}}')).to.deep.equal(['1', '2']);
    expect(variablesIn('Olá {{ first_name }}')).to.deep.equal(['first_name']);
  });

  it('builds positional parameters, the URL button suffix and a preview', () => {
    const p = prepareTemplate(positional, { name: 'order_update', language: 'en_US', variables: ['Ana', '#1234'], header: { variables: ['#1234'] }, buttons: [{ index: 0, text: '1234' }] });
    expect(p.template).to.deep.equal({
      name: 'order_update',
      language: { code: 'en_US' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: '#1234' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '#1234' }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '1234' }] },
      ],
    });
    expect(p.preview).to.equal('Order #1234\nHi Ana, your order #1234 is on its way.');
  });

  it('names every problem: count, missing values, the button suffix', () => {
    expect(fieldsOf(() => prepareTemplate(positional, { name: 'order_update', language: 'en_US', variables: ['only one'] }))).to.deep.include({
      'template.variables': 'template.needs_count:2',
      'template.header.variables': 'template.needs_count:1',
      'template.buttons.0': 'template.button_suffix_required:Track',
    });
    expect(fieldsOf(() => prepareTemplate(positional, { name: 'order_update', language: 'en_US', variables: ['', 'x'], header: { variables: ['y'] }, buttons: [{ index: 0, text: 'z' }] }))).to.deep.equal({
      'template.variables.1': 'validation.required',
    });
  });

  it('takes named values by name, refuses a list or unknown names, and needs the header image', () => {
    const p = prepareTemplate(named, { name: 'appointment_reminder', language: 'pt_BR', variables: { first_name: 'João', time: '15h' }, header: { media_id: '6f1c9c1e-1111-4111-8111-111111111111' } });
    expect(p.template.components).to.deep.equal([
      { type: 'header', parameters: [{ type: 'image', image: { id: null } }] },
      { type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'João' }, { type: 'text', parameter_name: 'time', text: '15h' }] },
    ]);
    expect(p.headerMediaId).to.equal('6f1c9c1e-1111-4111-8111-111111111111');
    expect(p.preview).to.equal('Olá João, sua visita é às 15h.');
    const fields = fieldsOf(() => prepareTemplate(named, { name: 'appointment_reminder', language: 'pt_BR', variables: ['João', '15h'] }));
    expect(fields).to.deep.equal({ 'template.header.media_id': 'template.header_media_required:image', 'template.variables': 'template.needs_named:first_name, time' });
    expect(fieldsOf(() => prepareTemplate(named, { name: 'x', language: 'pt_BR', variables: { first_name: 'a', time: 'b', extra: 'c' }, header: { link: 'https://x.test/a.png' } }))).to.deep.equal({
      'template.variables': 'template.unknown_variables:extra',
    });
  });

  it('refuses a template that is not approved', () => {
    const err = (() => {
      try {
        prepareTemplate({ ...positional, status: 'PAUSED' }, { name: 'order_update', language: 'en_US' });
      } catch (e) {
        return e as Invalid;
      }
    })();
    expect(err).to.be.instanceOf(Invalid);
    expect(err!.code).to.equal('template_not_approved');
    expect(err!.fields['template.name']).to.equal('template.not_approved:PAUSED');
  });
});
