import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient } from '../support/whatsapp.js';
import { keyFromLabel, validateCustomValues, type ContactFieldRow } from '../../src/contacts/fields.js';

const field = (key: string, type: ContactFieldRow['type'], options: string[] = []): ContactFieldRow =>
  ({ id: key, workspace_id: 'w', key, label: key, type, options, position: 0, created_at: new Date() }) as ContactFieldRow;

describe('custom contact fields', () => {
  it('validates values by type and refuses unknown keys', () => {
    const fields = [field('age', 'number'), field('birthday', 'date'), field('plan', 'select', ['Basic', 'Pro']), field('city', 'text')];
    const ok = validateCustomValues(fields, { age: '42.5', birthday: '2024-02-29', plan: 'pro', city: '  Recife ', });
    expect(ok.errors).to.deep.equal({});
    expect(ok.values).to.deep.equal({ age: 42.5, birthday: '2024-02-29', plan: 'Pro', city: 'Recife' });
    const cleared = validateCustomValues(fields, { age: '', plan: null });
    expect(cleared.values).to.deep.equal({ age: null, plan: null });
    const bad = validateCustomValues(fields, { age: 'lots', birthday: '2023-02-29', plan: 'Gold', city: 'x'.repeat(1001), shoe: '42' });
    expect(bad.errors).to.deep.equal({
      'custom.age': 'contact_fields.invalid_number',
      'custom.birthday': 'contact_fields.invalid_date',
      'custom.plan': 'validation.choose',
      'custom.city': 'contact_fields.text_too_long',
      'custom.shoe': 'contact_fields.unknown_key',
    });
    expect(validateCustomValues(fields, { age: 'Infinity' }).errors).to.have.property('custom.age');
    expect(validateCustomValues(fields, { age: '0x10' }).errors).to.have.property('custom.age');
    expect(validateCustomValues(fields, { birthday: '12/03/2024' }).errors).to.have.property('custom.birthday');
    expect(validateCustomValues(fields, ['x']).errors).to.deep.equal({ custom: 'contact_fields.not_an_object' });
    expect(keyFromLabel('Date of birth')).to.equal('date_of_birth');
    expect(keyFromLabel('Cidade / Região')).to.equal('cidade_regiao');
    expect(keyFromLabel('2nd phone')).to.equal('f_2nd_phone');
    expect(keyFromLabel('Email')).to.equal('email_field');
  });

  it('lets an admin add, rename, reorder and delete fields in Settings', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const page = await s.get('/settings/contact-fields').expect(200);
    expect(page.text).to.contain('No custom fields yet').and.contain('href="/settings/contact-fields"');

    await s.post('/settings/contact-fields', { label: 'Date of birth', type: 'date' }).expect(303);
    await s.post('/settings/contact-fields', { label: 'Plan', type: 'select', options: 'Basic\nPro\n\nPro' }).expect(303);
    await s.post('/settings/contact-fields', { label: 'Shoe size', key: 'shoe', type: 'number' }).expect(303);
    const fields = await ctx.knex('contact_fields').where({ workspace_id: workspace.id }).orderBy('position');
    expect(fields.map((f) => [f.key, f.type, f.position])).to.deep.equal([
      ['date_of_birth', 'date', 0],
      ['plan', 'select', 1],
      ['shoe', 'number', 2],
    ]);
    expect(fields[1].options).to.deep.equal(['Basic', 'Pro']);

    // Errors are named per field and shown beside them.
    const noOptions = await s.post('/settings/contact-fields', { label: 'Tier', type: 'select', options: '' }).expect(422);
    expect(noOptions.text).to.contain('Give at least one choice');
    const badKey = await s.post('/settings/contact-fields', { label: 'X', key: 'Bad Key', type: 'text' }).expect(422);
    expect(badKey.text).to.contain('Use lowercase letters, digits and _');
    const taken = await s.post('/settings/contact-fields', { label: 'Plan', type: 'text' }).expect(422);
    expect(taken.text).to.contain('Another field already has this name');
    await s.post('/settings/contact-fields', { label: 'Phone', key: 'phone', type: 'text' }).expect(422);

    const plan = fields[1];
    await s.post(`/settings/contact-fields/${plan.id}`, { field_id: plan.id, label: 'Subscription', options: 'Basic\nPro\nEnterprise' }).expect(303);
    const renamed = await ctx.knex('contact_fields').where({ id: plan.id }).first();
    expect(renamed).to.include({ label: 'Subscription', key: 'plan' });
    expect(renamed.options).to.deep.equal(['Basic', 'Pro', 'Enterprise']);
    const blank = await s.post(`/settings/contact-fields/${plan.id}`, { field_id: plan.id, label: '' }).expect(422);
    expect(blank.text).to.contain('This field is required');

    await s.post(`/settings/contact-fields/${fields[2].id}/move`, { direction: 'up' }).expect(303);
    await s.post(`/settings/contact-fields/${fields[0].id}/move`, { direction: 'up' }).expect(303); // already first: no change
    const order = await ctx.knex('contact_fields').where({ workspace_id: workspace.id }).orderBy('position').pluck('key');
    expect(order).to.deep.equal(['date_of_birth', 'shoe', 'plan']);
    const listed = await s.get('/settings/contact-fields').expect(200);
    expect(listed.text.indexOf('Shoe size')).to.be.lessThan(listed.text.indexOf('Subscription'));

    // Deleting a field keeps its values on contacts, unshown.
    const api = await apiClient(workspace.id);
    const contact = await api.post('/contacts', { phone: '+5511987650001', custom: { shoe: 41 } }).expect(201);
    expect(contact.body.data.custom).to.deep.equal({ shoe: 41 });
    await s.post(`/settings/contact-fields/${fields[2].id}/delete`).expect(303);
    expect(await ctx.knex('contact_fields').where({ id: fields[2].id }).first()).to.equal(undefined);
    expect((await ctx.knex('contacts').where({ id: contact.body.data.id }).first()).custom).to.deep.equal({ shoe: 41 });
    expect((await api.get(`/contacts/${contact.body.data.id}`).expect(200)).body.data.custom).to.deep.equal({});
    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id }).where('action', 'like', 'contact_field.%').pluck('action');
    expect(audit).to.include.members(['contact_field.created', 'contact_field.updated', 'contact_field.moved', 'contact_field.deleted']);
  });

  it('checks values by type through the contact form, naming the field', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    for (const f of [
      { label: 'Birthday', type: 'date' },
      { label: 'Orders', type: 'number' },
      { label: 'Plan', type: 'select', options: ['Basic', 'Pro'] },
      { label: 'City', type: 'text' },
    ]) await api.post('/contact-fields', f).expect(201);
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    const form = await s.get('/contacts/new').expect(200);
    expect(form.text).to.contain('type="date"').and.contain('name="custom[birthday]"').and.contain('type="number"').and.contain('<option value="Pro">Pro</option>');

    const bad = await s
      .post('/contacts', { phone: '+55 11 98765-0002', name: 'Rita', custom: { birthday: '2024-13-01', orders: 'many', plan: 'Gold', city: 'Olinda' } })
      .expect(422);
    expect(bad.text).to.contain('id="f-custom-birthday-error"').and.contain('Enter a date as YYYY-MM-DD');
    expect(bad.text).to.contain('id="f-custom-orders-error"').and.contain('Enter a number, like 42 or 3.5');
    expect(bad.text).to.contain('id="f-custom-plan-error"').and.contain('Choose one of the options');
    expect(bad.text).not.to.contain('id="f-custom-city-error"');
    expect(bad.text).to.contain('value="Olinda"');
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id, phone: '+5511987650002' }).first()).to.equal(undefined);

    const created = await s.post('/contacts', { phone: '+55 11 98765-0002', name: 'Rita', custom: { birthday: '1990-05-17', orders: '3', plan: 'Pro', city: '' } }).expect(303);
    const row = await ctx.knex('contacts').where({ workspace_id: workspace.id, phone: '+5511987650002' }).first();
    expect(created.headers.location).to.equal(`/contacts/${row.id}`);
    expect(row.custom).to.deep.equal({ birthday: '1990-05-17', orders: 3, plan: 'Pro' });
    const pageOf = await s.get(`/contacts/${row.id}`).expect(200);
    expect(pageOf.text).to.contain('value="1990-05-17"').and.contain('<option value="Pro" selected>Pro</option>');

    // Edit: a cleared input removes the value; a bad one names its field.
    await s.post(`/contacts/${row.id}`, { name: 'Rita Lee', phone: '+5511987650002', email: '', custom: { birthday: '', orders: '4', plan: 'Pro', city: 'Recife' } }).expect(303);
    expect((await ctx.knex('contacts').where({ id: row.id }).first()).custom).to.deep.equal({ orders: 4, plan: 'Pro', city: 'Recife' });
    const badEdit = await s.post(`/contacts/${row.id}`, { name: 'Rita Lee', phone: '+5511987650002', custom: { orders: '1e999' } }).expect(422);
    expect(badEdit.text).to.contain('id="f-custom-orders-error"');
  });

  it('manages fields and custom values through the API, with the same checks', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const created = await api.post('/contact-fields', { label: 'Customer since', type: 'date' }).expect(201);
    expect(created.body.data).to.include({ key: 'customer_since', label: 'Customer since', type: 'date', position: 0 });
    const select = await api.post('/contact-fields', { label: 'Size', key: 'size', type: 'select', options: ['S', 'M', 'L'] }).expect(201);
    expect(select.body.data.options).to.deep.equal(['S', 'M', 'L']);
    const refused = await api.post('/contact-fields', { label: 'Size', type: 'color' }).expect(422);
    expect(refused.body.error.fields).to.have.property('type');
    expect((await api.post('/contact-fields', { label: 'Other', key: 'size', type: 'text' }).expect(422)).body.error.fields.key).to.equal('Another field already has this key');

    const moved = await api.patch(`/contact-fields/${select.body.data.id}`, { label: 'T-shirt size', position: 0 }).expect(200);
    expect(moved.body.data).to.include({ label: 'T-shirt size', key: 'size', position: 0 });
    expect((await api.get('/contact-fields').expect(200)).body.data.map((f: { key: string }) => f.key)).to.deep.equal(['size', 'customer_since']);

    const bad = await api.post('/contacts', { phone: '+14155550101', custom: { size: 'XL', customer_since: 'yesterday', vip: true } }).expect(422);
    expect(bad.body.error.fields).to.deep.equal({
      'custom.size': 'Choose one of the options',
      'custom.customer_since': 'Enter a date as YYYY-MM-DD',
      'custom.vip': 'There is no contact field with this key',
    });
    const contact = await api.post('/contacts', { phone: '+14155550101', custom: { size: 'm', customer_since: '2021-03-04' } }).expect(201);
    expect(contact.body.data.custom).to.deep.equal({ size: 'M', customer_since: '2021-03-04' });
    expect(contact.body.data.labels).to.deep.equal([]);
    const patched = await api.patch(`/contacts/${contact.body.data.id}`, { custom: { size: null } }).expect(200);
    expect(patched.body.data.custom).to.deep.equal({ customer_since: '2021-03-04' });
    expect((await api.patch(`/contacts/${contact.body.data.id}`, { custom: 'size=M' }).expect(422)).body.error.fields).to.have.property('custom');

    await api.delete(`/contact-fields/${select.body.data.id}`).expect(204);
    expect((await api.get('/contact-fields').expect(200)).body.data).to.have.length(1);
    const doc = await api.get('/openapi.json').expect(200);
    expect(doc.body.paths).to.include.keys('/contact-fields', '/contact-fields/{id}', '/contacts/{id}/merge', '/contacts/import', '/contacts/imports/{id}');
  });

  it('keeps field management to owners and admins', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const f = await api.post('/contact-fields', { label: 'City', type: 'text' }).expect(201);
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    await s.get('/settings/contact-fields').expect(403);
    await s.post('/settings/contact-fields', { label: 'Hack', type: 'text' }).expect(403);
    await s.post(`/settings/contact-fields/${f.body.data.id}`, { label: 'Hack' }).expect(403);
    await s.post(`/settings/contact-fields/${f.body.data.id}/move`, { direction: 'down' }).expect(403);
    await s.post(`/settings/contact-fields/${f.body.data.id}/delete`).expect(403);
    expect(await ctx.knex('contact_fields').where({ workspace_id: workspace.id }).pluck('label')).to.deep.equal(['City']);
    // The settings menu does not offer it to agents.
    expect((await s.get('/account').expect(200)).text).not.to.contain('href="/settings/contact-fields"');
  });

  it("answers 404 for another workspace's fields", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const apiB = await apiClient(b.workspace.id);
    const fieldB = (await apiB.post('/contact-fields', { label: 'Secret', type: 'text' }).expect(201)).body.data;
    const apiA = await apiClient(a.workspace.id);
    await apiA.get(`/contact-fields/${fieldB.id}`).expect(404);
    await apiA.patch(`/contact-fields/${fieldB.id}`, { label: 'Mine' }).expect(404);
    await apiA.delete(`/contact-fields/${fieldB.id}`).expect(404);
    expect((await apiA.get('/contact-fields').expect(200)).body.data).to.deep.equal([]);
    // B's key is unknown in A.
    expect((await apiA.post('/contacts', { phone: '+14155550177', custom: { secret: 'x' } }).expect(422)).body.error.fields).to.have.property('custom.secret');
    const s = await signIn(a.user.email);
    await s.post(`/settings/contact-fields/${fieldB.id}`, { label: 'Mine' }).expect(404);
    await s.post(`/settings/contact-fields/${fieldB.id}/move`, { direction: 'up' }).expect(404);
    await s.post(`/settings/contact-fields/${fieldB.id}/delete`).expect(404);
    expect((await apiB.get(`/contact-fields/${fieldB.id}`).expect(200)).body.data.label).to.equal('Secret');
  });
});
