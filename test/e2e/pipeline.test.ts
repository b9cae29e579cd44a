import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot, signInBrowser } from '../support/browser.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { addMessage, apiClient, createContact, createSandboxChannel, makeDeal, stagesByName } from '../support/pipeline.js';

const PEOPLE = [
  'Ana Souza', 'Bruno Lima', 'Carla Dias', 'Diego Rocha', 'Elisa Martins', 'Fábio Nunes', 'Gabriela Reis', 'Heitor Alves', 'Isabela Costa',
  'João Pereira', 'Karina Melo', 'Lucas Barros', 'Marina Teixeira', 'Nicolas Araújo', 'Olívia Castro', 'Paulo Freitas', 'Queila Moura',
  'Rafael Pinto', 'Sofia Cardoso', 'Tiago Ribeiro',
];
const ITEMS = ['3-seat sofa', 'Dining set', 'Office chairs ×12', 'Wardrobe', 'Bed + mattress', 'Kitchen cabinets', 'Bookshelves', 'Outdoor lounge', 'Reception desk', 'Showroom display'];
const PLAN: Array<[stage: string, count: number]> = [['New', 10], ['Qualified', 8], ['Proposal', 7], ['Negotiation', 5], ['Won', 3], ['Lost', 1]];

/** A workspace with a team and 34 deals spread over the stages, a few waiting for a reply. */
async function seedBoard() {
  const { ctx } = await testEnv();
  const owned = await createWorkspace('Lima Móveis');
  const agent = await createMember(owned.workspace.id, 'agent', 'Rita Vendas');
  const stages = await stagesByName(owned.workspace.id);
  const channel = await createSandboxChannel(owned.workspace.id);
  const api = await apiClient(owned.workspace.id);
  const contacts = [];
  for (const name of PEOPLE) contacts.push(await createContact(owned.workspace.id, name));
  let n = 0;
  const ids: Record<string, string[]> = {};
  for (const [stage, count] of PLAN) {
    for (let i = 0; i < count; i += 1, n += 1) {
      const contact = contacts[n % contacts.length];
      const value = `${(1 + ((n * 7919) % 40)) * 350}.${String((n * 37) % 100).padStart(2, '0')}`;
      const close = new Date(Date.now() + ((n % 9) - 2) * 5 * 86_400_000).toISOString().slice(0, 10);
      const deal = await makeDeal(owned.workspace, contact, {
        title: `${ITEMS[n % ITEMS.length]} — ${contact.name!.split(' ')[0]}`,
        value,
        currency: n === 12 ? 'EUR' : 'USD',
        stage_id: stages[stage === 'Won' || stage === 'Lost' ? 'New' : stage].id,
        owner_id: n % 3 === 0 ? agent.id : owned.user.id,
        expected_close_date: n % 4 === 3 ? null : close,
        labels: n % 5 === 0 ? ['vip'] : n % 7 === 0 ? ['wholesale'] : [],
      });
      if (stage === 'Won') await api.post(`/deals/${deal.id}/move`, { stage_id: stages.Won.id }).expect(200);
      if (stage === 'Lost') await api.post(`/deals/${deal.id}/move`, { stage_id: stages.Lost.id, lost_reason: 'Price too high' }).expect(200);
      (ids[stage] ??= []).push(deal.id);
    }
  }
  // Some customers wrote last and wait for an answer; others were answered.
  for (const [i, contact] of contacts.slice(0, 8).entries()) {
    const at = Date.now() - (8 - i) * 3600_000;
    await addMessage(owned.workspace.id, channel, contact, 'inbound', `Hi! Is the ${ITEMS[i]} still available?`, new Date(at));
    if (i % 2) await addMessage(owned.workspace.id, channel, contact, 'outbound', 'Yes! I can send photos and a quote today.', new Date(at + 15 * 60_000), owned.user.id);
  }
  expect(await ctx.knex('deals').where({ workspace_id: owned.workspace.id })).to.have.length(34);
  return { ...owned, stages, ids, api, contacts };
}

const column = (page: Page, stageId: string) => page.locator(`.deal-list[data-stage-id="${stageId}"]`);
const card = (page: Page, dealId: string) => page.locator(`#deal-${dealId}`);

describeBrowser('pipeline board', (browser) => {
  it('drags a card from New to Proposal, and it stays there after a reload', async () => {
    const { baseUrl } = await testEnv();
    const seeded = await seedBoard();
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
    await signInBrowser(page, seeded.user.email);
    await page.goto('/pipeline');
    await page.locator('[data-move]').first().waitFor({ state: 'visible' });
    await screenshot(page, 'pipeline-board-desktop');

    const dealId = (await column(page, seeded.stages.New.id).locator('.deal-card').first().getAttribute('data-deal-id'))!;
    const title = await card(page, dealId).locator('.deal-title').innerText();
    const target = column(page, seeded.stages.Proposal.id);
    const moved = page.waitForResponse((r) => r.url().endsWith(`/deals/${dealId}/move`) && r.request().method() === 'POST');
    // Drag with the mouse like a person: press, travel, hover over the column until the card
    // shows up there (SortableJS samples the pointer), then release.
    const from = (await card(page, dealId).boundingBox())!;
    const to = (await target.locator('.deal-card').nth(1).boundingBox())!;
    await page.mouse.move(from.x + 40, from.y + 12);
    await page.mouse.down();
    await page.mouse.move(to.x + 40, to.y + to.height / 2, { steps: 20 });
    for (let i = 0; !(await target.locator(`#deal-${dealId}`).count()) && i < 200; i += 1) {
      await page.mouse.move(to.x + 40 + (i % 2), to.y + to.height / 2, { steps: 2 });
    }
    await page.mouse.up();
    const response = await moved;
    expect(response.status()).to.equal(200);
    expect(await target.locator(`#deal-${dealId}`).count()).to.equal(1);
    // The column totals were swapped in: Proposal now counts 8.
    await page.locator(`#head-${seeded.stages.Proposal.id} .count`, { hasText: '8' }).waitFor();

    await page.reload();
    await column(page, seeded.stages.Proposal.id).locator(`#deal-${dealId}`).waitFor();
    expect(await column(page, seeded.stages.New.id).locator(`#deal-${dealId}`).count()).to.equal(0);
    const proposalTitles = await column(page, seeded.stages.Proposal.id).locator('.deal-title').allInnerTexts();
    expect(proposalTitles.indexOf(title)).to.be.within(0, 2);

    // Filters swap the board as you type, and the address keeps them.
    await page.getByPlaceholder('Search deals or contacts').fill(title);
    await page.waitForURL(/\?.*q=/);
    await page.waitForFunction((t) => {
      const titles = [...document.querySelectorAll('#board .deal-title')].map((a) => a.textContent);
      return titles.length > 0 && titles.length < 5 && titles.every((x) => x === t);
    }, title);
    await page.locator('#board [data-move]').first().waitFor({ state: 'visible' });
    await page.getByPlaceholder('Search deals or contacts').fill('no such deal anywhere');
    await page.locator('#board-note', { hasText: 'No deals match' }).waitFor();
    await page.getByPlaceholder('Search deals or contacts').fill('');
    await page.getByLabel('Owner').selectOption({ label: 'Rita Vendas' });
    await page.waitForURL(/owner=/);
    await page.waitForFunction(() => {
      const owners = [...document.querySelectorAll('#board .deal-card .avatar')].map((a) => a.getAttribute('title'));
      return owners.length > 5 && owners.every((o) => o === 'Rita Vendas');
    });
    expect(problems).to.deep.equal([]);
    await context.close();
  });

  it('moves cards with the keyboard and the move dialog, and asks why a deal was lost', async () => {
    const { baseUrl, ctx } = await testEnv();
    const seeded = await seedBoard();
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
    await signInBrowser(page, seeded.user.email);
    await page.goto('/pipeline');
    await page.locator('[data-move]').first().waitFor({ state: 'visible' });

    // Alt + → moves the focused card to the next stage.
    const first = seeded.ids.New[1];
    await card(page, first).locator('.deal-title').focus();
    const moved = page.waitForResponse((r) => r.url().endsWith(`/deals/${first}/move`));
    await page.keyboard.press('Alt+ArrowRight');
    expect((await moved).status()).to.equal(200);
    await column(page, seeded.stages.Qualified.id).locator(`#deal-${first}`).waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest('.deal-card')?.id)).to.equal(`deal-${first}`);
    // Alt + ↓ moves it down within the column.
    const down = page.waitForResponse((r) => r.url().endsWith(`/deals/${first}/move`));
    await page.keyboard.press('Alt+ArrowDown');
    await down;

    // The move button opens a dialog of stages, driven by the keyboard too.
    const second = seeded.ids.New[2];
    await card(page, second).locator('[data-move]').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('#move-dialog');
    await dialog.waitFor({ state: 'visible' });
    await screenshot(page, 'pipeline-move-dialog');
    await dialog.getByRole('button', { name: 'Negotiation' }).focus();
    const viaDialog = page.waitForResponse((r) => r.url().endsWith(`/deals/${second}/move`));
    await page.keyboard.press('Enter');
    await viaDialog;
    await column(page, seeded.stages.Negotiation.id).locator(`#deal-${second}`).waitFor();

    // Moving to Lost asks for the reason first; cancelling puts the card back.
    const third = seeded.ids.New[3];
    await card(page, third).locator('[data-move]').click();
    await dialog.getByRole('button', { name: 'Lost' }).click();
    const lostDialog = page.locator('#lost-dialog');
    await lostDialog.waitFor({ state: 'visible' });
    await lostDialog.getByRole('button', { name: 'Cancel' }).click();
    await column(page, seeded.stages.New.id).locator(`#deal-${third}`).waitFor();
    await card(page, third).locator('[data-move]').click();
    await dialog.getByRole('button', { name: 'Lost' }).click();
    await lostDialog.getByLabel('Lost reason').selectOption('No reply from the customer');
    await screenshot(page, 'pipeline-lost-dialog');
    const lost = page.waitForResponse((r) => r.url().endsWith(`/deals/${third}/move`));
    await lostDialog.getByRole('button', { name: 'Mark as lost' }).click();
    expect((await lost).status()).to.equal(200);

    await page.reload();
    await column(page, seeded.stages.Qualified.id).locator(`#deal-${first}`).waitFor();
    await column(page, seeded.stages.Negotiation.id).locator(`#deal-${second}`).waitFor();
    await column(page, seeded.stages.Lost.id).locator(`#deal-${third}`).waitFor();
    const row = await ctx.knex('deals').where({ id: third }).first();
    expect(row.lost_reason).to.equal('No reply from the customer');
    const qualified = await ctx.knex('deals').where({ stage_id: seeded.stages.Qualified.id }).orderBy('position').select('id');
    expect(qualified[1].id).to.equal(first);
    expect(problems).to.deep.equal([]);
    await context.close();
  });

  it('looks right on a phone, and shows the deal page, the list, the reports and the settings', async () => {
    const { baseUrl } = await testEnv();
    const seeded = await seedBoard();
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl, viewport: { width: 1280, height: 860 } });
    await signInBrowser(page, seeded.user.email);

    const dealId = seeded.ids.Negotiation[0];
    await seeded.api.post(`/deals/${dealId}/move`, { stage_id: seeded.stages.Negotiation.id, position: 0 });
    await page.goto(`/deals/${dealId}`);
    await page.getByRole('button', { name: 'Add note' }).waitFor();
    await page.getByLabel('Add a note').fill('Customer prefers delivery on Saturday morning. Send the fabric samples.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Note added.').first().waitFor();
    await screenshot(page, 'deal-page-desktop');
    await page.goto('/deals');
    await screenshot(page, 'deals-list-desktop');
    await page.goto('/reports');
    await screenshot(page, 'reports-desktop');
    await page.goto('/settings/pipeline');
    await screenshot(page, 'settings-pipeline-desktop');
    await page.goto(`/deals/new?contact_id=${seeded.contacts[0].id}`);
    await screenshot(page, 'deal-new-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name] of [['/pipeline', 'pipeline-board-phone'], [`/deals/${dealId}`, 'deal-page-phone'], ['/deals', 'deals-list-phone'], ['/reports', 'reports-phone'], ['/settings/pipeline', 'settings-pipeline-phone']]) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways`).to.be.at.most(0);
      await screenshot(page, name);
    }
    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
