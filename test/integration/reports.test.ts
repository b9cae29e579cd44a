import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { addMessage, apiClient, createContact, createSandboxChannel, makeDeal, stagesByName } from '../support/pipeline.js';

const DAY = 86_400_000;
const MIN = 60_000;

/** The rows of the table in the report card titled `title`, as arrays of cell texts. */
function tableRows(html: string, title: string): string[][] {
  const start = html.indexOf(`<h3>${title}</h3>`);
  if (start < 0) throw new Error(`no report titled ${title}`);
  const section = html.slice(start, html.indexOf('</section>', start));
  const body = section.slice(section.indexOf('<tbody>'), section.indexOf('</tbody>'));
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => cell[1].replace(/<small[^>]*>([\s\S]*?)<\/small>/g, ' $1').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim()),
  );
}

/** Rewrites a deal's history to known times: [stage name, ms ago] from creation on. */
async function setHistory(dealId: string, steps: Array<[string, number]>, stages: Record<string, { id: string }>) {
  const { ctx } = await testEnv();
  const events = await ctx.knex('deal_events').where({ deal_id: dealId }).whereNot('type', 'note').orderBy('id');
  expect(events.map((e: { to_stage_id: string }) => e.to_stage_id)).to.deep.equal(steps.map(([name]) => stages[name].id));
  for (const [i, e] of events.entries()) await ctx.knex('deal_events').where({ id: e.id }).update({ created_at: new Date(Date.now() - steps[i][1]) });
  const last = steps[steps.length - 1];
  await ctx.knex('deals').where({ id: dealId }).update({ created_at: new Date(Date.now() - steps[0][1]), stage_entered_at: new Date(Date.now() - last[1]) });
}

describe('reports', () => {
  it('computes pipeline value, conversion, won value, time in stage and inbox numbers on a known fixture', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace('Reports Co');
    const bea = await createMember(workspace.id, 'agent', 'Bea Agent');
    const stages = await stagesByName(workspace.id);
    const contact = await createContact(workspace.id, 'Fixture Contact');
    const api = await apiClient(workspace.id);
    const move = (id: string, stage: string, extra: Record<string, unknown> = {}) => api.post(`/deals/${id}/move`, { stage_id: stages[stage].id, ...extra }).expect(200);

    const d1 = await makeDeal(workspace, contact, { title: 'D1', value: '1000' });
    await move(d1.id, 'Qualified');
    await move(d1.id, 'Proposal');
    await move(d1.id, 'Won');
    await setHistory(d1.id, [['New', 10 * DAY], ['Qualified', 8 * DAY], ['Proposal', 5 * DAY], ['Won', 2 * DAY]], stages);
    const wonAt = new Date(Date.now() - 2 * DAY);
    await ctx.knex('deals').where({ id: d1.id }).update({ won_at: wonAt, closed_at: wonAt });
    const d2 = await makeDeal(workspace, contact, { title: 'D2', value: '500' });
    await move(d2.id, 'Qualified');
    await move(d2.id, 'Lost', { lost_reason: 'Price too high' });
    await setHistory(d2.id, [['New', 9 * DAY], ['Qualified', 6 * DAY], ['Lost', 4 * DAY]], stages);
    const d3 = await makeDeal(workspace, contact, { title: 'D3', value: '200.50' });
    await setHistory(d3.id, [['New', 3 * DAY]], stages);
    const d4 = await makeDeal(workspace, contact, { title: 'D4', value: '300', currency: 'EUR', stage_id: stages.Proposal.id });
    await setHistory(d4.id, [['Proposal', 1 * DAY]], stages);
    const d5 = await makeDeal(workspace, contact, { title: 'D5', value: '99.99', stage_id: stages.Negotiation.id });
    await setHistory(d5.id, [['Negotiation', 1 * DAY]], stages);

    // The inbox: three new conversations (two answered, in 10 and 30 minutes) and an old one.
    const channel = await createSandboxChannel(workspace.id);
    const [c1, c2, c3, c4] = await Promise.all(['One', 'Two', 'Three', 'Four'].map((n) => createContact(workspace.id, `Inbox ${n}`)));
    const now = Date.now();
    const conv1 = await addMessage(workspace.id, channel, c1, 'inbound', 'hi', new Date(now - 120 * MIN));
    await addMessage(workspace.id, channel, c1, 'outbound', 'hello', new Date(now - 110 * MIN), user.id);
    const conv2 = await addMessage(workspace.id, channel, c2, 'inbound', 'hi', new Date(now - 60 * MIN));
    await addMessage(workspace.id, channel, c2, 'outbound', 'hello', new Date(now - 30 * MIN), bea.id);
    await addMessage(workspace.id, channel, c2, 'outbound', 'anything else?', new Date(now - 20 * MIN), user.id);
    const conv3 = await addMessage(workspace.id, channel, c3, 'inbound', 'anyone?', new Date(now - 30 * MIN));
    await addMessage(workspace.id, channel, c4, 'inbound', 'old', new Date(now - 200 * DAY));
    await addMessage(workspace.id, channel, c4, 'outbound', 'sorry for the delay', new Date(now - 3 * 60 * MIN), user.id);
    await ctx.knex('conversations').where({ id: conv1.conversationId }).update({ assignee_id: user.id, status: 'open' });
    await ctx.knex('conversations').where({ id: conv2.conversationId }).update({ assignee_id: user.id, status: 'resolved' });
    await ctx.knex('conversations').where({ id: conv3.conversationId }).update({ assignee_id: bea.id, status: 'open' });

    const s = await signIn(user.email);
    const html = (await s.get('/reports?days=90').expect(200)).text;

    expect(tableRows(html, 'Pipeline value by stage')).to.deep.equal([
      ['New', '1', '$200.50', '$20.05'],
      ['Qualified', '0', '$0.00', '$0.00'],
      ['Proposal', '1', '$0.00 + €300.00', '$0.00'],
      ['Negotiation', '1', '$99.99', '$74.99'],
    ]);
    expect(html).to.contain('<strong class="report-figure">$300.49</strong>');

    expect(tableRows(html, 'Stage-to-stage conversion')).to.deep.equal([
      ['New', '5', '—', '100%'],
      ['Qualified', '4', '80%', '80%'],
      ['Proposal', '3', '75%', '60%'],
      ['Negotiation', '2', '67%', '40%'],
      ['Won', '1', '50%', '20%'],
    ]);

    const won = tableRows(html, 'Won value per month');
    expect(won).to.have.length(12);
    const monthOfWin = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(wonAt);
    expect(won.find((r) => r[0] === monthOfWin)).to.deep.equal([monthOfWin, '1', '$1,000.00']);
    expect(won.filter((r) => r[0] !== monthOfWin).every((r) => r[1] === '0' && r[2] === '$0.00')).to.equal(true);

    expect(tableRows(html, 'Average time in stage')).to.deep.equal([
      ['New', '3', '2.7 days'],
      ['Qualified', '2', '2.5 days'],
      ['Proposal', '2', '2 days'],
      ['Negotiation', '1', '1 day'],
    ]);

    expect(html).to.match(/<span class="report-stat-value">20 min<\/span><span class="report-stat-label">Median<\/span>/);
    expect(html).to.match(/<span class="report-stat-value">20 min<\/span><span class="report-stat-label">Average<\/span>/);
    expect(html).to.match(/<span class="report-stat-value">2 \/ 3<\/span>/);
    expect(tableRows(html, 'First response time')).to.deep.equal([
      ['Olivia Owner', '1', '10 min'],
      ['Bea Agent', '1', '30 min'],
    ]);
    expect(tableRows(html, 'Conversations per agent')).to.deep.equal([
      ['Olivia Owner', '3', '1'],
      ['Bea Agent', '1', '1'],
    ]);
    // The charts are SVG drawn on the server, labelled, and styled by classes only.
    expect(html).to.match(/<svg class="chart" viewBox="[^"]+" width="100%" role="img" aria-labelledby="chart-value"/);
    expect(html).to.contain('<title>Negotiation: $99.99</title>');
    expect(html).not.to.match(/\sstyle="/);
  });

  it('answers 404 for another workspace\'s pipeline', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const pipelineB = await ctx.knex('pipelines').where({ workspace_id: b.workspace.id }).first();
    const s = await signIn(a.user.email);
    await s.get(`/reports?pipeline=${pipelineB.id}`).expect(404);
    await s.get('/reports?days=7').expect(200);
  });
});
