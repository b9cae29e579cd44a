import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ensureConversation } from '../../src/inbox/conversations.js';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot, signInBrowser } from '../support/browser.js';
import { createWorkspace } from '../support/factories.js';
import { sandboxChannel } from '../support/whatsapp.js';

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, page.url()).to.be.at.most(0);
}

/** Customers with conversations and messages to search for. */
async function seedConversations(workspaceId: string) {
  const { ctx } = await testEnv();
  const channel = await sandboxChannel(workspaceId);
  const people = [
    { name: 'Mariana Costa', phone: '+5511987650001', email: 'mariana@example.com', texts: ['Hi! Did my order ship yet?', 'The order number is 4471, thanks'] },
    { name: 'Orlando Reyes', phone: '+5215512340002', email: null, texts: ['Can I change the colour of my order to <blue>?'] },
    { name: 'Priya Nair', phone: '+919876500003', email: 'priya@example.in', texts: ['Loved the dress, ordering two more for my sisters', 'Is cash on delivery possible?'] },
  ];
  let minutes = 90;
  for (const p of people) {
    const [contact] = await ctx.knex('contacts')
      .insert({ workspace_id: workspaceId, name: p.name, phone: p.phone, phone_key: p.phone.slice(1), wa_id: p.phone.slice(1), email: p.email })
      .returning('*');
    const conversation = await ensureConversation(ctx.knex, workspaceId, channel.id, contact.id);
    for (const text of p.texts) {
      minutes -= 7;
      await ctx.knex('messages').insert({
        workspace_id: workspaceId,
        conversation_id: conversation.id,
        channel_id: channel.id,
        contact_id: contact.id,
        direction: 'inbound',
        type: 'text',
        text,
        status: 'received',
        created_at: new Date(Date.now() - minutes * 60_000),
      });
    }
  }
}

describeBrowser('labels, quick replies and search', (browser) => {
  it('creates labels and a quick reply in settings, then searches from the top bar', async () => {
    const { baseUrl } = await testEnv();
    const { user, workspace } = await createWorkspace('Loja da Praia');
    await seedConversations(workspace.id);
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl });

    await signInBrowser(page, user.email);

    // Labels: two of them, picking colours from the swatches.
    await page.goto('/settings/workspace');
    await page.locator('.settings-nav').getByRole('link', { name: 'Labels' }).click();
    await page.waitForURL('**/settings/labels');
    await page.getByLabel('Name').fill('VIP');
    await page.locator('.swatch-option', { hasText: 'Green' }).click();
    await expect(await page.locator('[data-label-preview]').getAttribute('class')).to.equal('label label-green');
    await page.getByRole('button', { name: 'Create label' }).click();
    await page.getByText('Label "VIP" created.').waitFor();
    await page.getByLabel('Name').fill('Waiting for payment');
    await page.locator('.swatch-option', { hasText: 'Orange' }).click();
    await page.getByRole('button', { name: 'Create label' }).click();
    await page.getByText('Label "Waiting for payment" created.').waitFor();
    await page.getByLabel('Name').fill('vip');
    await page.getByRole('button', { name: 'Create label' }).click();
    await page.getByText('A label with this name already exists').waitFor();
    await page.getByLabel('Name').fill('Wholesale');
    await page.getByRole('button', { name: 'Create label' }).click();
    await page.getByText('Label "Wholesale" created.').waitFor();
    expect(await page.locator('tbody .label').allTextContents()).to.deep.equal(['VIP', 'Waiting for payment', 'Wholesale']);
    // Rename and recolour one.
    await page.locator('tr', { hasText: 'Wholesale' }).getByTitle('Edit').click();
    await page.waitForURL('**/settings/labels/*/edit');
    await page.getByLabel('Name').fill('Wholesale buyer');
    await page.locator('.swatch-option', { hasText: 'Teal' }).click();
    expect(await page.locator('[data-label-preview]').textContent()).to.equal('Wholesale buyer');
    await screenshot(page, 'label-edit-desktop');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Label "Wholesale buyer" saved.').waitFor();
    expect(await page.locator('tbody .label-teal').textContent()).to.equal('Wholesale buyer');
    await screenshot(page, 'labels-settings-desktop');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'labels-settings-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // A quick reply, with a placeholder inserted by its button.
    await page.locator('.settings-nav').getByRole('link', { name: 'Quick replies' }).click();
    await page.waitForURL('**/settings/quick-replies');
    await page.getByLabel('Shortcut').fill('shipping');
    await page.getByLabel('Text').fill('Hi ');
    await page.locator('[data-insert="{{contact_name}}"]').click();
    await page.getByLabel('Text').press('End');
    await page.getByLabel('Text').pressSequentially(', your order ships within 2 business days. Tracking follows by WhatsApp. — ');
    await page.locator('[data-insert="{{agent_name}}"]').click();
    expect(await page.getByLabel('Text').inputValue()).to.equal('Hi {{contact_name}}, your order ships within 2 business days. Tracking follows by WhatsApp. — {{agent_name}}');
    await page.getByRole('button', { name: 'Create quick reply' }).click();
    await page.getByText('Quick reply /shipping created.').waitFor();
    await page.getByLabel('Shortcut').fill('pix');
    await page.getByLabel('Text').fill('You can pay by PIX to the key loja@example.com. Send the receipt here and we ship the same day.');
    await page.getByRole('button', { name: 'Create quick reply' }).click();
    await page.getByText('Quick reply /pix created.').waitFor();
    await screenshot(page, 'quick-replies-settings-desktop');

    // Search from the top bar box and land on the results.
    await page.goto('/inbox');
    await page.locator('#topbar-q').fill('order');
    await page.locator('#topbar-q').press('Enter');
    await page.waitForURL('**/search?q=order');
    await page.locator('#message-results .result').first().waitFor();
    expect(await page.locator('#message-results .result').count()).to.equal(4);
    expect(await page.locator('#message-results mark').first().textContent()).to.match(/^order/i);
    expect(await page.locator('#message-results').textContent()).to.contain('Can I change the colour of my order to <blue>?');
    await screenshot(page, 'search-results-desktop');
    await page.locator('#search-q').fill('mari');
    await page.locator('#search-q').press('Enter');
    await page.waitForURL('**/search?q=mari');
    expect(await page.locator('#contact-results .result-title').allTextContents()).to.deep.equal(['Mariana Costa']);
    const href = await page.locator('#contact-results a').first().getAttribute('href');
    expect(href).to.match(/^\/contacts\/[0-9a-f-]{36}$/);

    // The same pages on a phone: no sideways scrolling; the top bar search is an icon button.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/settings/labels');
    await noSidewaysScroll(page);
    await screenshot(page, 'labels-settings-phone');
    await page.goto('/settings/quick-replies');
    await noSidewaysScroll(page);
    await screenshot(page, 'quick-replies-settings-phone');
    expect(await page.locator('#topbar-q').isVisible()).to.equal(false);
    await page.locator('.topbar a[aria-label="Search"]').click();
    await page.waitForURL('**/search');
    await page.locator('#search-q').fill('+55 11 98765-0001');
    await page.locator('#search-q').press('Enter');
    await page.waitForURL('**/search?q=*');
    expect(await page.locator('#contact-results .result-title').allTextContents()).to.deep.equal(['Mariana Costa']);
    await page.locator('#search-q').fill('order');
    await page.locator('#search-q').press('Enter');
    await page.waitForURL('**/search?q=order');
    await noSidewaysScroll(page);
    await screenshot(page, 'search-results-phone');

    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
