import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot, signInBrowser } from '../support/browser.js';
import { createWorkspace } from '../support/factories.js';
import { createTestChannel, deliverAndSettle, messagesPayload, textFrom } from '../support/webhooks.js';

describeBrowser('webhook events', (browser) => {
  it('lists failed events with their error and replays one from Settings', async () => {
    const { ctx, baseUrl } = await testEnv();
    const { user, workspace, password } = await createWorkspace('Lima Móveis');
    const ch = await createTestChannel(workspace.id, user.id);
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('5511987650099', 'Bom dia! Vocês entregam em Campinas?')));
    await deliverAndSettle(ch, '["a body that is valid JSON but not a webhook"]');
    const marker = 'Oi, ainda tem o sofá azul de três lugares';
    await ctx.knex.raw(`ALTER TABLE messages ADD CONSTRAINT test_e2e_poison CHECK (text IS DISTINCT FROM '${marker}') NOT VALID`);
    try {
      await deliverAndSettle(ch, messagesPayload(ch, textFrom('5511987650099', marker)));
    } finally {
      await ctx.knex.raw('ALTER TABLE messages DROP CONSTRAINT IF EXISTS test_e2e_poison');
    }

    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl });
    await signInBrowser(page, user.email, password);
    await page.goto('/settings/members');
    await page.locator('.settings-nav').getByRole('link', { name: 'Webhook events' }).click();
    await page.waitForURL('**/settings/webhooks');
    await page.getByText('test_e2e_poison').first().waitFor();
    await screenshot(page, 'webhook-events-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    await screenshot(page, 'webhook-events-phone');

    // The newest failure is listed first: replay it now that its cause is gone.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Replay' }).first().click();
    await page.waitForURL('**/settings/webhooks');
    await page.getByText('processed (new messages: 1').first().waitFor();
    expect(await page.getByRole('button', { name: 'Replay' }).count()).to.equal(1);
    await screenshot(page, 'webhook-events-replayed');
    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
