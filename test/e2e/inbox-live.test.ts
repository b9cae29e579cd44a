import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot, signInBrowser, type WatchedPage } from '../support/browser.js';
import { createMember, createWorkspace } from '../support/factories.js';

async function signInPage(watched: WatchedPage, email: string): Promise<void> {
  const { ctx } = await testEnv();
  await ctx.knex('rate_limits').where('key', 'like', 'login:ip:%').delete();
  await signInBrowser(watched.page, email);
}

describeBrowser('the live inbox with the sandbox', (browser) => {
  it('a customer writes from the simulator, the agent sees it live, answers, and the ticks reach read', async () => {
    const { baseUrl, ctx } = await testEnv();
    const { user, workspace } = await createWorkspace('Loja Azul');
    const agent = await createMember(workspace.id, 'agent', 'Ana Agente');

    // The owner tries the sandbox from the empty inbox: it opens the simulator.
    const owner = await openPage(browser(), { baseURL: baseUrl });
    await signInPage(owner, user.email);
    await owner.page.getByRole('button', { name: 'Try the sandbox' }).click();
    await owner.page.getByText('Your sandbox is ready').waitFor();
    const channel = await ctx.knex('channels').where({ workspace_id: workspace.id, type: 'sandbox' }).first();

    // An agent has the inbox open in another browser.
    const agentPage = await openPage(browser(), { baseURL: baseUrl });
    await signInPage(agentPage, agent.email);

    // The customer writes.
    const sim = owner.page;
    await sim.getByLabel('Name', { exact: true }).fill('Paula Cliente');
    await sim.getByLabel('Phone', { exact: true }).fill('+55 11 98888 7777');
    await sim.getByRole('button', { name: 'Switch customer' }).click();
    await sim.getByPlaceholder('Type as the customer').fill('Oi! O sofá azul ainda está disponível?');
    await sim.getByPlaceholder('Type as the customer').press('Enter');
    await sim.locator('.phone-msg.mine', { hasText: 'sofá azul' }).waitFor();

    // It appears in the agent's open inbox without a reload.
    const inbox = agentPage.page;
    const row = inbox.locator('.conv-row', { hasText: 'Paula Cliente' });
    await row.waitFor({ timeout: 15_000 });
    await row.locator('.unread-badge').waitFor();
    await screenshot(inbox, 'live-inbox-desktop');
    await row.click();
    await inbox.locator('#conversation').waitFor();
    await inbox.locator('.msg.in', { hasText: 'sofá azul' }).waitFor();

    // A quick reply, typed as /shortcut and chosen with Enter, fills the composer.
    await ctx.knex('quick_replies').insert({ workspace_id: workspace.id, shortcut: 'frete', text: 'O frete para a sua região é grátis, {{contact_name}}!' });
    const composer = inbox.getByPlaceholder('Type a message');
    await composer.fill('/fre');
    await inbox.locator('[data-quick-replies] [role="option"]').first().waitFor();
    await composer.press('Enter');
    expect(await composer.inputValue()).to.equal('O frete para a sua região é grátis, Paula Cliente!');
    await composer.press('Enter');
    await inbox.locator('.msg.out', { hasText: 'frete para a sua região' }).waitFor();

    // The agent answers with Enter; the simulator receives it and the ticks go to read.
    await composer.fill('Oi Paula! Está sim, temos em azul e cinza. 😊');
    await composer.press('Enter');
    const reply = inbox.locator('.msg.out', { hasText: 'temos em azul' });
    await reply.waitFor();
    await sim.locator('.phone-msg.theirs', { hasText: 'temos em azul' }).waitFor({ timeout: 15_000 });
    await reply.locator('.ticks.read').waitFor({ timeout: 20_000 });
    await sim.locator('.phone-msg.theirs', { hasText: 'temos em azul' }).locator('.sim-status', { hasText: 'read' }).waitFor({ timeout: 15_000 });
    await screenshot(inbox, 'live-conversation-desktop');
    await screenshot(sim, 'sandbox-simulator');

    // The customer reacts; the agent sees the reaction on the message.
    await sim.locator('.phone-msg.theirs', { hasText: 'temos em azul' }).getByRole('button', { name: '❤️' }).click();
    await reply.locator('.msg-reactions', { hasText: '❤️' }).waitFor({ timeout: 15_000 });

    expect(owner.problems).to.deep.equal([]);
    expect(agentPage.problems).to.deep.equal([]);
    await owner.context.close();
    await agentPage.context.close();
    void channel;
  });

  it('with the window closed, the agent sends a template with its variables', async () => {
    const { baseUrl, ctx } = await testEnv();
    const { user, workspace } = await createWorkspace('Window Co');
    const page = await openPage(browser(), { baseURL: baseUrl });
    await signInPage(page, user.email);
    await page.page.getByRole('button', { name: 'Try the sandbox' }).click();
    await page.page.getByText('Your sandbox is ready').waitFor();
    await page.page.getByPlaceholder('Type as the customer').fill('Hello');
    await page.page.getByPlaceholder('Type as the customer').press('Enter');
    await page.page.locator('.phone-msg.mine', { hasText: 'Hello' }).waitFor();
    const conversation = await ctx.knex('conversations').where({ workspace_id: workspace.id }).first();
    // A day passes.
    await ctx.knex('conversations').where({ id: conversation.id }).update({ window_expires_at: new Date(Date.now() - 60_000) });

    await page.page.goto(`/inbox/conversations/${conversation.id}`);
    await page.page.getByText('The 24-hour window is closed.').waitFor();
    await page.page.getByLabel('Template').selectOption({ label: 'order_update (en_US) · UTILITY' });
    await page.page.getByLabel('Value 1').fill('Sam');
    await page.page.getByLabel('Value 2').fill('#4521');
    await page.page.locator('#template-preview', { hasText: 'Hi Sam, your order #4521 is on its way.' }).waitFor();
    await screenshot(page.page, 'template-picker-desktop');
    await page.page.getByRole('button', { name: 'Send template' }).click();
    // The URL button needs the end of its link: the form says so beside the field.
    await page.page.getByText('needs the end of its link').waitFor();
    await page.page.getByLabel('End of the link for "Track your order"').fill('4521');
    await page.page.getByRole('button', { name: 'Send template' }).click();
    await page.page.locator('.msg.out', { hasText: 'Hi Sam, your order #4521 is on its way.' }).waitFor();
    await page.page.locator('.msg.out', { hasText: 'Hi Sam, your order #4521' }).locator('.ticks.read').waitFor({ timeout: 20_000 });
    expect(page.problems).to.deep.equal([]);
    await page.context.close();
  });

  it('two agents see each other\'s assignment live, on a laptop and on a phone', async () => {
    const { baseUrl, ctx } = await testEnv();
    const { user, workspace } = await createWorkspace('Team Co');
    const second = await createMember(workspace.id, 'agent', 'Bruno Segundo');
    const first = await openPage(browser(), { baseURL: baseUrl });
    await signInPage(first, user.email);
    await first.page.getByRole('button', { name: 'Try the sandbox' }).click();
    await first.page.getByText('Your sandbox is ready').waitFor();
    await first.page.getByPlaceholder('Type as the customer').fill('Preciso de ajuda');
    await first.page.getByPlaceholder('Type as the customer').press('Enter');
    await first.page.locator('.phone-msg.mine').waitFor();
    const conversation = await ctx.knex('conversations').where({ workspace_id: workspace.id }).first();

    const other = await openPage(browser(), { baseURL: baseUrl, viewport: { width: 390, height: 844 } });
    await signInPage(other, second.email);
    await other.page.goto(`/inbox/conversations/${conversation.id}`);
    await other.page.locator('#conversation').waitFor();

    await first.page.goto(`/inbox/conversations/${conversation.id}`);
    await first.page.getByLabel('Assigned to').selectOption({ label: 'Bruno Segundo' });
    // The other agent's open conversation follows without a reload.
    await other.page.waitForFunction((id) => (document.querySelector('select[name="user_id"]') as HTMLSelectElement | null)?.value === id, second.id, { timeout: 15_000 });
    await screenshot(other.page, 'live-conversation-phone');
    await other.page.getByRole('link', { name: 'Back to the conversations' }).click();
    await other.page.waitForURL('**/inbox');
    await other.page.locator('.conv-row .conv-chip', { hasText: 'Bruno' }).waitFor();
    await screenshot(other.page, 'live-inbox-phone');
    expect(first.problems).to.deep.equal([]);
    expect(other.problems).to.deep.equal([]);
    await first.context.close();
    await other.context.close();
  });
});
