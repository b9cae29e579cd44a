import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot, signInBrowser } from '../support/browser.js';
import { createWorkspace } from '../support/factories.js';
import { apiClient, customerConversation, whatsappChannel } from '../support/whatsapp.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function noSidewaysScroll(page: Page, what: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${what} scrolls sideways on a phone`).to.be.at.most(0);
}

describeBrowser('contacts', (browser) => {
  it('imports a CSV through the mapping step, watches it finish, and shows contacts on desktop and phone', async () => {
    const { ctx, baseUrl } = await testEnv();
    const { user, workspace } = await createWorkspace('Lima Móveis');
    const api = await apiClient(workspace.id);
    await api.post('/contact-fields', { label: 'City', type: 'text' }).expect(201);
    await api.post('/contact-fields', { label: 'Customer since', type: 'date' }).expect(201);
    await api.post('/contact-fields', { label: 'Plan', type: 'select', options: ['Basic', 'Pro', 'Enterprise'] }).expect(201);
    const channel = await whatsappChannel(workspace.id, { name: 'Loja Centro' });
    const labels = await ctx.knex('labels')
      .insert([
        { workspace_id: workspace.id, name: 'VIP', color: 'purple' },
        { workspace_id: workspace.id, name: 'Wholesale', color: 'teal' },
        { workspace_id: workspace.id, name: 'Late payer', color: 'orange' },
      ])
      .returning('*');
    const people = [
      { phone: '5511987651001', name: 'Beatriz Andrade', minutes: 4, labels: [0] },
      { phone: '5521998761002', name: 'Carlos Eduardo Menezes', minutes: 50, labels: [1, 2] },
      { phone: '14155551003', name: 'Dana Whitfield', minutes: 60 * 26, labels: [] },
    ];
    let beatriz = '';
    for (const p of people) {
      const c = await customerConversation(channel, { phone: p.phone, name: p.name });
      await ctx.knex('conversations').where({ id: c.id }).update({ last_message_at: new Date(Date.now() - p.minutes * 60_000), last_message_preview: 'Is the corner sofa still available in grey?' });
      for (const i of p.labels) await ctx.knex('contact_labels').insert({ workspace_id: workspace.id, contact_id: c.contact_id, label_id: labels[i].id });
      if (p.name.startsWith('Beatriz')) beatriz = c.contact_id;
      await ctx.knex('notes').insert({ workspace_id: workspace.id, contact_id: c.contact_id, conversation_id: c.id, author_id: user.id, body: 'Wants delivery after 6 pm. Second floor, no lift.' });
    }
    await api.patch(`/contacts/${beatriz}`, { email: 'beatriz@andrade.com.br', custom: { city: 'São Paulo', customer_since: '2023-08-14', plan: 'Pro' } }).expect(200);

    // A CSV a shop exports from its old system: semicolons, Portuguese headers, a few bad rows.
    const lines = ['Nome;Celular;Email;Cidade;Plano;Observações'];
    for (let i = 0; i < 1500; i++) {
      const phone = i % 300 === 17 ? '12345' : `+55 31 9${String(80000000 + i)}`;
      const plan = i % 500 === 3 ? 'Gold' : ['Basic', 'Pro', 'Enterprise'][i % 3];
      lines.push(`Cliente ${i};${phone};cliente${i}@example.com;Belo Horizonte;${plan};Comprou em ${2020 + (i % 5)}`);
    }
    lines.push('Beatriz Andrade;+55 11 98765-1001;;São Paulo;Enterprise;');
    const csv = Buffer.from('\uFEFF' + lines.join('\r\n'));

    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl, viewport: DESKTOP });
    await signInBrowser(page, user.email);

    await page.goto('/contacts');
    await page.getByRole('link', { name: 'Import' }).click();
    await page.waitForURL('**/contacts/import');
    await screenshot(page, 'contacts-import-upload');
    await page.getByLabel('CSV file').setInputFiles({ name: 'clientes-loja.csv', mimeType: 'text/csv', buffer: csv });
    await page.getByRole('button', { name: 'Upload and continue' }).click();
    await page.getByText('Match the columns').first().waitFor();
    // Guessed from the headers: name, phone, email; the rest is chosen by hand.
    expect(await page.getByLabel('Import column Nome as').inputValue()).to.equal('name');
    expect(await page.getByLabel('Import column Celular as').inputValue()).to.equal('phone');
    expect(await page.getByLabel('Import column Email as').inputValue()).to.equal('email');
    await page.getByLabel('Import column Cidade as').selectOption('custom:city');
    await page.getByLabel('Import column Plano as').selectOption('custom:plan');
    expect(await page.getByLabel('Import column Observações as').inputValue()).to.equal('ignore');
    await screenshot(page, 'contacts-import-mapping');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page, 'the mapping page');
    await screenshot(page, 'contacts-import-mapping-phone');
    await page.setViewportSize(DESKTOP);

    await page.getByRole('button', { name: 'Start import' }).click();
    // The progress partial polls itself until the report replaces it.
    await page.locator('#import-progress').waitFor();
    await page.locator('[data-stat="created"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-stat="created"]').textContent()).to.equal('1,492');
    expect(await page.locator('[data-stat="updated"]').textContent()).to.equal('1');
    expect(await page.locator('[data-stat="rejected"]').textContent()).to.equal('8');
    expect(await page.locator('.rejected-table tbody tr').count()).to.equal(8);
    await page.getByText('Plan: Choose one of the options').first().waitFor();
    await screenshot(page, 'contacts-import-report');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page, 'the import report');
    await screenshot(page, 'contacts-import-report-phone');
    await page.setViewportSize(DESKTOP);

    // The list, its search (live, through htmx) and "load more".
    await page.getByRole('link', { name: 'View contacts' }).click();
    await page.waitForURL('**/contacts');
    expect(await page.locator('tr.contact-row').count()).to.equal(50);
    await page.locator('tr.load-more-row a').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('tr.contact-row').length === 100);
    await page.getByLabel('Search contacts', { exact: true }).fill('beatriz');
    await page.waitForFunction(() => document.querySelectorAll('tr.contact-row').length === 1);
    expect(page.url()).to.contain('q=beatriz');
    await page.getByLabel('Search contacts', { exact: true }).fill('');
    await page.waitForFunction(() => document.querySelectorAll('tr.contact-row').length === 50);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByLabel('Search contacts', { exact: true }).fill('+55 21 99876');
    await page.waitForFunction(() => document.querySelectorAll('tr.contact-row').length === 1);
    await page.getByLabel('Search contacts', { exact: true }).fill('');
    await page.waitForFunction(() => document.querySelectorAll('tr.contact-row').length === 50);
    await screenshot(page, 'contacts-list-desktop');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page, 'the contacts list');
    await screenshot(page, 'contacts-list-phone');
    await page.setViewportSize(DESKTOP);

    // A contact's page: details with custom fields by type, conversations, notes.
    await page.goto(`/contacts/${beatriz}`);
    expect(await page.getByLabel('Customer since').getAttribute('type')).to.equal('date');
    expect(await page.getByLabel('Plan').inputValue()).to.equal('Enterprise');
    expect(await page.getByLabel('City').inputValue()).to.equal('São Paulo');
    await page.getByLabel('City').fill('Campinas');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Contact saved.').first().waitFor();
    expect(await page.getByLabel('City').inputValue()).to.equal('Campinas');
    await screenshot(page, 'contact-page-desktop');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page, 'the contact page');
    await screenshot(page, 'contact-page-phone');
    await page.setViewportSize(DESKTOP);

    // Merge: pick a duplicate, see both side by side.
    const dup = (await api.post('/contacts', { phone: '+55 11 3333-1001', name: 'Beatriz A.', email: 'bia@loja.com.br' }).expect(201)).body.data;
    await page.getByRole('link', { name: 'Merge with…' }).click();
    await page.getByLabel('Search contacts', { exact: true }).fill('beatriz a');
    await page.locator(`a[href="/contacts/${beatriz}/merge/${dup.id}"]`).click();
    await page.getByText('Merge these contacts?').first().waitFor();
    await screenshot(page, 'contacts-merge-desktop');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page, 'the merge page');
    await screenshot(page, 'contacts-merge-phone');
    await page.setViewportSize(DESKTOP);
    await page.getByRole('button', { name: 'Merge contacts' }).click();
    await page.getByText('Contacts merged into Beatriz Andrade.').first().waitFor();

    await page.goto('/settings/contact-fields');
    await screenshot(page, 'settings-contact-fields');
    await page.setViewportSize(PHONE);
    await noSidewaysScroll(page, 'the contact fields settings');
    await screenshot(page, 'settings-contact-fields-phone');

    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
