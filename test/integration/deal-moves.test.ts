import { expect } from 'chai';
import { CARDS_PER_PAGE } from '../../src/pipeline/board.js';
import { POSITION_GAP } from '../../src/pipeline/service.js';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, columnOrder, createContact, makeDeal, stagesByName } from '../support/pipeline.js';

/** A workspace with deals A..E (top to bottom) in New. */
async function column(titles = ['A', 'B', 'C', 'D', 'E']) {
  const owned = await createWorkspace();
  const contact = await createContact(owned.workspace.id, 'Quinn');
  const stages = await stagesByName(owned.workspace.id);
  const deals: Record<string, string> = {};
  // New deals go on top: create bottom-up.
  for (const title of [...titles].reverse()) deals[title] = (await makeDeal(owned.workspace, contact, { title, value: '100' })).id;
  expect(await columnOrder(owned.workspace.id, stages.New.id)).to.deep.equal(titles);
  return { ...owned, contact, stages, deals, api: await apiClient(owned.workspace.id) };
}

describe('moving deals', () => {
  it('moves within a column by index, after or before a neighbour, keeping a stable order', async () => {
    const { workspace, stages, deals, api } = await column();
    const order = () => columnOrder(workspace.id, stages.New.id);
    await api.post(`/deals/${deals.E}/move`, { stage_id: stages.New.id, position: 0 }).expect(200);
    expect(await order()).to.deep.equal(['E', 'A', 'B', 'C', 'D']);
    await api.post(`/deals/${deals.E}/move`, { stage_id: stages.New.id, after_id: deals.C }).expect(200);
    expect(await order()).to.deep.equal(['A', 'B', 'C', 'E', 'D']);
    await api.post(`/deals/${deals.A}/move`, { stage_id: stages.New.id, before_id: deals.D }).expect(200);
    expect(await order()).to.deep.equal(['B', 'C', 'E', 'A', 'D']);
    await api.post(`/deals/${deals.B}/move`, { stage_id: stages.New.id, position: 99 }).expect(200);
    expect(await order()).to.deep.equal(['C', 'E', 'A', 'D', 'B']);
    await api.post(`/deals/${deals.B}/move`, { stage_id: stages.New.id, after_id: deals.B }).expect(422);
    await api.post(`/deals/${deals.B}/move`, { stage_id: stages.Proposal.id, after_id: deals.C }).expect(422);
    // Reordering inside a stage is not a stage change: no history entry for it.
    const { ctx } = await testEnv();
    expect(await ctx.knex('deal_events').where({ workspace_id: workspace.id, type: 'stage_changed' })).to.have.length(0);
  });

  it('moves between columns to a place, records who moved it from where to where, and the board follows', async () => {
    const { ctx } = await testEnv();
    const { user, workspace, stages, deals, api } = await column();
    await api.post(`/deals/${deals.B}/move`, { stage_id: stages.Proposal.id }).expect(200);
    await api.post(`/deals/${deals.D}/move`, { stage_id: stages.Proposal.id }).expect(200);
    await api.post(`/deals/${deals.A}/move`, { stage_id: stages.Proposal.id, position: 1 }).expect(200);
    expect(await columnOrder(workspace.id, stages.New.id)).to.deep.equal(['C', 'E']);
    expect(await columnOrder(workspace.id, stages.Proposal.id)).to.deep.equal(['B', 'A', 'D']);
    const moved = await ctx.knex('deals').where({ id: deals.A }).first();
    expect(moved.stage_id).to.equal(stages.Proposal.id);
    expect(new Date(moved.stage_entered_at).getTime()).to.be.greaterThan(Date.now() - 60_000);

    // A move from the board (a signed-in member) names them on the timeline.
    const s = await signIn(user.email);
    await s.post(`/deals/${deals.C}/move`, { stage_id: stages.Negotiation.id, return_to: '/pipeline' }).expect(303).expect('Location', '/pipeline');
    const events = await ctx.knex('deal_events').where({ deal_id: deals.C }).orderBy('id');
    expect(events.map((e: { type: string; from_stage_id: string | null; to_stage_id: string; actor_user_id: string | null }) => [e.type, e.from_stage_id, e.to_stage_id, e.actor_user_id])).to.deep.equal([
      ['created', null, stages.New.id, null],
      ['stage_changed', stages.New.id, stages.Negotiation.id, user.id],
    ]);
    const page = await s.get(`/deals/${deals.C}`).expect(200);
    expect(page.text).to.contain('moved it from New to Negotiation').and.contain('Olivia Owner');
    // An open redirect is refused: only local paths.
    await s.post(`/deals/${deals.C}/move`, { stage_id: stages.New.id, return_to: 'https://evil.example/' }).expect(303).expect('Location', `/deals/${deals.C}`);
  });

  it('renumbers a column when neighbours run out of room, keeping every position distinct', async () => {
    const { ctx } = await testEnv();
    const { workspace, stages, deals, api } = await column(['A', 'B', 'C']);
    // Squeezing card after card between the first two halves the gap each time until it is gone.
    const titles = ['A', 'B', 'C'];
    const contact = await createContact(workspace.id, 'Rui');
    for (let i = 0; i < 20; i += 1) {
      const d = await makeDeal(workspace, contact, { title: `X${i}` });
      await api.post(`/deals/${d.id}/move`, { stage_id: stages.New.id, after_id: deals.A }).expect(200);
      titles.splice(1, 0, `X${i}`);
    }
    expect(await columnOrder(workspace.id, stages.New.id)).to.deep.equal(titles);
    const positions = (await ctx.knex('deals').where({ workspace_id: workspace.id, stage_id: stages.New.id }).orderBy('position')).map((d: { position: number }) => Number(d.position));
    expect(new Set(positions).size).to.equal(positions.length);
    expect(POSITION_GAP).to.be.lessThan(2 ** 20);
  });

  it('keeps a consistent order when many moves hit one column at once', async () => {
    const { ctx } = await testEnv();
    const titles = Array.from({ length: 12 }, (_, i) => `D${i}`);
    const { workspace, stages, deals, api } = await column(titles);
    // Everyone drags a different card to the top of Proposal, and others reorder New, all at once.
    const results = await Promise.all([
      ...titles.slice(0, 6).map((t) => api.post(`/deals/${deals[t]}/move`, { stage_id: stages.Proposal.id, position: 0 })),
      ...titles.slice(6, 12).map((t, i) => api.post(`/deals/${deals[t]}/move`, { stage_id: stages.New.id, position: i % 3 })),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(results.map(() => 200));
    for (const stage of [stages.New, stages.Proposal]) {
      const rows = await ctx.knex('deals').where({ workspace_id: workspace.id, stage_id: stage.id });
      const positions = rows.map((r: { position: number }) => Number(r.position));
      expect(new Set(positions).size, `${stage.name} has distinct positions`).to.equal(rows.length);
    }
    const proposal = await columnOrder(workspace.id, stages.Proposal.id);
    const newer = await columnOrder(workspace.id, stages.New.id);
    expect([...proposal].sort()).to.deep.equal(titles.slice(0, 6).sort());
    expect([...newer].sort()).to.deep.equal(titles.slice(6, 12).sort());
    // Two agents moving the same card at once: it ends in one stage, with a history entry each.
    const [first, second] = await Promise.all([
      api.post(`/deals/${deals.D0}/move`, { stage_id: stages.Negotiation.id, position: 0 }),
      api.post(`/deals/${deals.D0}/move`, { stage_id: stages.Qualified.id, position: 0 }),
    ]);
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    const d0 = await ctx.knex('deals').where({ id: deals.D0 }).first();
    expect([stages.Negotiation.id, stages.Qualified.id]).to.include(d0.stage_id);
    const changes = await ctx.knex('deal_events').where({ deal_id: deals.D0, type: 'stage_changed' }).orderBy('id');
    expect(changes).to.have.length(3);
    expect(changes[2].to_stage_id).to.equal(d0.stage_id);
    expect(changes[2].from_stage_id).to.equal(changes[1].to_stage_id);
  });

  it('is idempotent: the same move twice changes nothing the second time', async () => {
    const { ctx } = await testEnv();
    const { workspace, stages, deals, api } = await column();
    const first = await api.post(`/deals/${deals.C}/move`, { stage_id: stages.Proposal.id, position: 0 }).expect(200);
    expect(first.body.moved).to.equal(true);
    const before = await ctx.knex('deals').where({ id: deals.C }).first();
    for (const body of [{ stage_id: stages.Proposal.id, position: 0 }, { stage_id: stages.Proposal.id }]) {
      const again = await api.post(`/deals/${deals.C}/move`, body).expect(200);
      expect(again.body.moved).to.equal(false);
      expect(again.body.data.stage_id).to.equal(stages.Proposal.id);
    }
    await api.post(`/deals/${deals.D}/move`, { stage_id: stages.New.id, after_id: deals.A }).expect(200);
    expect((await api.post(`/deals/${deals.D}/move`, { stage_id: stages.New.id, after_id: deals.A })).body.moved).to.equal(false);
    expect((await api.post(`/deals/${deals.D}/move`, { stage_id: stages.New.id, before_id: deals.B })).body.moved).to.equal(false);
    const after = await ctx.knex('deals').where({ id: deals.C }).first();
    expect(after.position).to.equal(before.position);
    expect(after.updated_at.getTime()).to.equal(before.updated_at.getTime());
    expect(await ctx.knex('deal_events').where({ deal_id: deals.C, type: 'stage_changed' })).to.have.length(1);
    expect(await columnOrder(workspace.id, stages.New.id)).to.deep.equal(['A', 'D', 'B', 'E']);
  });

  it('needs a lost reason from the workspace list to lose a deal, and records won and lost', async () => {
    const { ctx } = await testEnv();
    const { user, stages, deals, api } = await column();
    const missing = await api.post(`/deals/${deals.A}/move`, { stage_id: stages.Lost.id }).expect(422);
    expect(missing.body.error.fields.lost_reason).to.equal('Choose why the deal was lost');
    const unknown = await api.post(`/deals/${deals.A}/move`, { stage_id: stages.Lost.id, lost_reason: 'Aliens' }).expect(422);
    expect(unknown.body.error.fields.lost_reason).to.equal("Choose one of the workspace's lost reasons");
    expect((await ctx.knex('deals').where({ id: deals.A }).first()).stage_id).to.equal(stages.New.id);

    const lost = await api.post(`/deals/${deals.A}/move`, { stage_id: stages.Lost.id, lost_reason: 'Chose a competitor' }).expect(200);
    expect(lost.body.data).to.include({ status: 'lost', lost_reason: 'Chose a competitor', won_at: null });
    expect(lost.body.data.lost_at).to.be.a('string');
    const event = await ctx.knex('deal_events').where({ deal_id: deals.A, type: 'stage_changed' }).first();
    expect(event.data).to.deep.equal({ lost_reason: 'Chose a competitor' });

    // The browser without JavaScript: the move form answers with a page asking for the reason.
    const s = await signIn(user.email);
    const ask = await s.post(`/deals/${deals.B}/move`, { stage_id: stages.Lost.id, return_to: '/pipeline' }).expect(422);
    expect(ask.text).to.contain('Why was this deal lost?').and.contain('Price too high').and.contain('name="return_to" value="/pipeline"');
    await s.post(`/deals/${deals.B}/move`, { stage_id: stages.Lost.id, lost_reason: 'Price too high', return_to: '/pipeline' }).expect(303);
    expect((await ctx.knex('deals').where({ id: deals.B }).first()).lost_reason).to.equal('Price too high');

    const won = await api.post(`/deals/${deals.C}/move`, { stage_id: stages.Won.id }).expect(200);
    expect(won.body.data).to.include({ status: 'won', lost_reason: null, lost_at: null });
    // Reopening clears the outcome; losing a won deal replaces it.
    const reopened = await api.post(`/deals/${deals.A}/move`, { stage_id: stages.Negotiation.id }).expect(200);
    expect(reopened.body.data).to.include({ status: 'open', lost_reason: null, lost_at: null, won_at: null });
    const relost = await api.post(`/deals/${deals.C}/move`, { stage_id: stages.Lost.id, lost_reason: 'Bad timing' }).expect(200);
    expect(relost.body.data).to.include({ status: 'lost', won_at: null, lost_reason: 'Bad timing' });
    const page = await s.get(`/deals/${deals.C}`).expect(200);
    expect(page.text).to.contain('Lost on').and.contain('Reason: Bad timing');
  });

  it('takes won and lost deals off the board after the configured days, but keeps them in the list', async () => {
    const { ctx } = await testEnv();
    const { user, stages, deals, api } = await column(['Fresh win', 'Old win', 'Open one']);
    await api.post(`/deals/${deals['Fresh win']}/move`, { stage_id: stages.Won.id }).expect(200);
    await api.post(`/deals/${deals['Old win']}/move`, { stage_id: stages.Won.id }).expect(200);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    await ctx.knex('deals').where({ id: deals['Old win'] }).update({ won_at: tenDaysAgo, closed_at: tenDaysAgo });
    const s = await signIn(user.email);
    let board = (await s.get('/pipeline').expect(200)).text;
    expect(board).to.contain('Fresh win').and.contain('Open one').and.not.contain('Old win');
    await s.post('/settings/pipeline/board', { closed_deals_visible_days: '30' }).expect(303);
    board = (await s.get('/pipeline').expect(200)).text;
    expect(board).to.contain('Old win');
    await s.post('/settings/pipeline/board', { closed_deals_visible_days: '0' }).expect(303);
    board = (await s.get('/pipeline').expect(200)).text;
    expect(board).to.contain('Open one').and.not.contain('Fresh win').and.not.contain('Old win');
    const list = (await s.get('/deals?status=won').expect(200)).text;
    expect(list).to.contain('Fresh win').and.contain('Old win');
  });

  it('can move a deal into another pipeline', async () => {
    const { ctx } = await testEnv();
    const { deals, api } = await column(['Switcher']);
    const other = await api.post('/pipelines', { name: 'Renewals' }).expect(201);
    const target = other.body.data.stages[1];
    const res = await api.post(`/deals/${deals.Switcher}/move`, { stage_id: target.id }).expect(200);
    expect(res.body.data).to.include({ pipeline_id: other.body.data.id, stage_id: target.id });
    expect((await ctx.knex('deals').where({ id: deals.Switcher }).first()).pipeline_id).to.equal(other.body.data.id);
  });
});

describe('the board', () => {
  it('shows each column with its count, total and weighted value, and other currencies apart', async () => {
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Sara');
    const stages = await stagesByName(workspace.id);
    await makeDeal(workspace, contact, { title: 'P1', value: '1000.10', stage_id: stages.Proposal.id });
    await makeDeal(workspace, contact, { title: 'P2', value: '250.15', stage_id: stages.Proposal.id });
    await makeDeal(workspace, contact, { title: 'P3', value: '80', currency: 'EUR', stage_id: stages.Proposal.id });
    const s = await signIn(user.email);
    const html = (await s.get('/pipeline').expect(200)).text;
    const head = html.slice(html.indexOf(`id="head-${stages.Proposal.id}"`), html.indexOf(`data-stage-id="${stages.Proposal.id}"`));
    expect(head).to.contain('>3</span>');
    expect(head).to.contain('$1,250.25');
    // Proposal is at 50%: $625.125 rounds half up to $625.13.
    expect(head).to.contain('≈ $625.13 at 50%');
    expect(head).to.contain('+ €80.00');
    const newHead = html.slice(html.indexOf(`id="head-${stages.New.id}"`), html.indexOf(`data-stage-id="${stages.New.id}"`));
    expect(newHead).to.contain('>0</span>').and.contain('$0.00');
    expect(html).to.contain('<script src="/public/vendor/sortable.min.js').and.contain('<script src="/public/js/board.js');
  });

  it('filters by owner, label, expected close and search', async () => {
    const { user, workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent', 'Tina Agent');
    const ana = await createContact(workspace.id, 'Ana Filter');
    const bob = await createContact(workspace.id, 'Bob Filter');
    const today = new Date().toISOString().slice(0, 10);
    await makeDeal(workspace, ana, { title: 'Mine and VIP', owner_id: user.id, labels: ['vip'] });
    await makeDeal(workspace, bob, { title: 'Agents deal', owner_id: agent.id, expected_close_date: '2001-01-01' });
    await makeDeal(workspace, bob, { title: 'Nobody owns me', owner_id: null, expected_close_date: today });
    const s = await signIn(user.email);
    const titles = async (q: string) => {
      const html = (await s.get(`/pipeline?${q}`).expect(200)).text;
      return [...html.matchAll(/class="deal-title" href="\/deals\/[^"]+">([^<]+)</g)].map((m) => m[1]).sort();
    };
    expect(await titles('')).to.deep.equal(['Agents deal', 'Mine and VIP', 'Nobody owns me']);
    expect(await titles('owner=me')).to.deep.equal(['Mine and VIP']);
    expect(await titles(`owner=${agent.id}`)).to.deep.equal(['Agents deal']);
    expect(await titles('owner=none')).to.deep.equal(['Nobody owns me']);
    expect(await titles('label=vip')).to.deep.equal(['Mine and VIP']);
    expect(await titles('close=overdue')).to.deep.equal(['Agents deal']);
    expect(await titles('close=this_month')).to.deep.equal(['Nobody owns me']);
    expect(await titles('close=none')).to.deep.equal(['Mine and VIP']);
    expect(await titles('q=ana')).to.deep.equal(['Mine and VIP']);
    expect(await titles('q=nobody')).to.deep.equal(['Nobody owns me']);
    expect(await titles('q=100%25')).to.deep.equal([]);
    // The label list offers the labels in use; htmx gets the board alone.
    const page = await s.get('/pipeline').expect(200);
    expect(page.text).to.contain('<option value="vip">vip</option>');
    const partial = await s.get('/pipeline?owner=me').set('HX-Request', 'true').expect(200);
    expect(partial.text).not.to.contain('<!doctype html>');
    expect(partial.text).to.match(/^<div id="board-area">/);
  });

  it('shows a page of cards per column and loads the rest on demand', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Uma');
    const stages = await stagesByName(workspace.id);
    const total = CARDS_PER_PAGE + 5;
    const rows = Array.from({ length: total }, (_, i) => ({
      workspace_id: workspace.id,
      pipeline_id: stages.New.pipeline_id,
      stage_id: stages.New.id,
      position: (i + 1) * 1000,
      title: `Card ${String(i).padStart(3, '0')}`,
      value: '1',
      currency: 'USD',
      contact_id: contact.id,
    }));
    await ctx.knex('deals').insert(rows);
    const s = await signIn(user.email);
    const html = (await s.get('/pipeline').expect(200)).text;
    const cards = (text: string) => [...text.matchAll(/class="deal-title" href="\/deals\/[^"]+">([^<]+)</g)].map((m) => m[1]);
    expect(cards(html)).to.have.length(CARDS_PER_PAGE);
    expect(html).to.contain(`>${total}</span>`);
    const more = /hx-get="(\/pipeline\/stages\/[^"]+\/cards\?[^"]+)"/.exec(html)![1].replace(/&amp;/g, '&');
    const next = (await s.get(more).set('HX-Request', 'true').expect(200)).text;
    expect(cards(next)).to.deep.equal(rows.slice(CARDS_PER_PAGE).map((r) => r.title));
    expect(next).not.to.contain('Show more');
  });

  it('answers a board move with the new totals of both columns, out of band', async () => {
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Vera');
    const stages = await stagesByName(workspace.id);
    const deal = await makeDeal(workspace, contact, { title: 'Moving', value: '40' });
    await makeDeal(workspace, contact, { title: 'Staying', value: '2', stage_id: stages.Proposal.id });
    const s = await signIn(user.email);
    const res = await s.agent
      .post(`/deals/${deal.id}/move`)
      .set('HX-Request', 'true')
      .set('X-CSRF-Token', s.csrf)
      .type('form')
      .send({ stage_id: stages.Proposal.id, position: '0', board: '' })
      .expect(200);
    expect(res.text).to.contain(`id="head-${stages.New.id}" hx-swap-oob="true"`).and.contain(`id="head-${stages.Proposal.id}" hx-swap-oob="true"`);
    const proposal = res.text.slice(res.text.indexOf(`id="head-${stages.Proposal.id}"`));
    expect(proposal).to.contain('>2</span>').and.contain('$42.00');
    // With the board's filters, the totals count only the filtered deals.
    const filtered = await s.agent
      .post(`/deals/${deal.id}/move`)
      .set('HX-Request', 'true')
      .set('X-CSRF-Token', s.csrf)
      .type('form')
      .send({ stage_id: stages.Proposal.id, position: '1', board: 'q=Moving' })
      .expect(200);
    expect(filtered.text.slice(filtered.text.indexOf(`id="head-${stages.Proposal.id}"`))).to.contain('>1</span>').and.contain('$40.00');
  });

  it('renders the pipeline pages without inline scripts, styles or handlers', async () => {
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Wes');
    const deal = await makeDeal(workspace, contact, { title: 'CSP check', value: '3', labels: ['x'] });
    const s = await signIn(user.email);
    for (const path of ['/pipeline', '/deals', `/deals/${deal.id}`, `/deals/${deal.id}/edit`, '/deals/new', `/deals/new?contact_id=${contact.id}`, '/settings/pipeline', '/reports']) {
      const page = await s.get(path).expect(200);
      expect(page.text, path).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text, path).not.to.match(/\sstyle="/);
      expect(page.text, path).not.to.match(/\son[a-z]+="/);
      expect(page.text, path).not.to.match(/hx-on/);
    }
  });
});
