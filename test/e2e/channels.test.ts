import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { describeBrowser, openPage, screenshot, signInBrowser } from '../support/browser.js';
import { whatsappChannelInput } from '../support/channel-factories.js';
import { testEnv } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).to.be.at.most(0);
}

describeBrowser('channels', (browser) => {
  it('connects a sandbox and a WhatsApp number, copies the webhook URL and tests the connection', async () => {
    const { baseUrl, graph, ctx } = await testEnv();
    const { user, workspace } = await createWorkspace('Lima Móveis');
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });

    await signInBrowser(page, user.email);

    await page.goto('/settings/workspace');
    await page.locator('.settings-nav').getByRole('link', { name: 'Channels' }).click();
    await page.waitForURL('**/settings/channels');
    await page.getByText('Connect WhatsApp to get started').waitFor();
    await screenshot(page, 'channels-empty-desktop');

    // The sandbox, in one click from the empty state.
    await page.getByRole('button', { name: 'Try the sandbox' }).click();
    // It opens the simulator straight away.
    await page.getByText('Your sandbox is ready').waitFor();
    const sandbox = await ctx.knex('channels').where({ workspace_id: workspace.id, type: 'sandbox' }).first();
    expect(new URL(page.url()).pathname).to.equal(`/sandbox/${sandbox.id}`);
    await screenshot(page, 'sandbox-simulator-empty');
    await page.goto('/settings/channels');
    expect(await page.getByRole('link', { name: 'Open simulator' }).getAttribute('href')).to.equal(`/sandbox/${sandbox.id}`);

    // A WhatsApp number through the form, with a mistake first.
    await page.getByRole('link', { name: 'Connect a WhatsApp number' }).first().click();
    await page.waitForURL('**/settings/channels/new');
    const input = whatsappChannelInput({ name: 'Vendas', display_phone_number: '' });
    await page.getByLabel('Channel name').fill(input.name);
    await page.getByLabel('Phone number ID').fill('+55 11 4000-1234');
    await page.getByLabel('Business Account ID').fill(input.waba_id);
    await page.getByLabel('Access token').fill(input.access_token);
    await page.getByLabel('App secret').fill(input.app_secret);
    await page.getByRole('button', { name: 'Connect number' }).click();
    await page.getByText('Use digits only (as Meta shows it)').waitFor();
    await screenshot(page, 'channel-connect-errors');
    await page.getByLabel('Phone number ID').fill(input.phone_number_id);
    // Secrets are never sent back into the form: type them again.
    await page.getByLabel('Access token').fill(input.access_token);
    await page.getByLabel('App secret').fill(input.app_secret);
    await page.getByRole('button', { name: 'Connect number' }).click();
    await page.getByText('Channel Vendas connected').waitFor();

    const channel = await ctx.knex('channels').where({ workspace_id: workspace.id, phone_number_id: input.phone_number_id }).first();
    const card = page.locator(`#channel-${channel.id}`);
    await card.getByRole('button', { name: 'Copy' }).first().click();
    await page.getByText('Copied to the clipboard').first().waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).to.equal(`${baseUrl}/webhooks/whatsapp/${channel.webhook_key}`);

    graph.phoneNumbers.set(input.phone_number_id, { verified_name: 'Lima Móveis', display_phone_number: '+55 11 4000-1234', quality_rating: 'GREEN' });
    await card.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Vendas is connected: Meta knows it as Lima Móveis').waitFor();
    expect(await page.locator(`#channel-${channel.id} [data-health]`).textContent()).to.equal('Connected');
    await screenshot(page, 'channels-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await noSidewaysScroll(page);
    await screenshot(page, 'channels-phone');

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/settings/channels/${sandbox.id}/templates`);
    await page.getByText('order_update').waitFor();
    await screenshot(page, 'channel-templates-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await noSidewaysScroll(page);
    await screenshot(page, 'channel-templates-phone');

    await page.goto('/settings/channels/new');
    await noSidewaysScroll(page);
    await screenshot(page, 'channel-connect-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`/settings/channels/${channel.id}/edit`);
    await screenshot(page, 'channel-edit-desktop');

    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
