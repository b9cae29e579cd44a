import { expect } from 'chai';
import { up as fillDefaultPipelines } from '../../migrations/20261129400600_default_pipeline_for_existing_workspaces.js';
import { DEFAULT_LOST_REASONS, DEFAULT_STAGES } from '../../src/pipeline/defaults.js';
import { insertWorkspace } from '../../src/workspaces/repo.js';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, createContact, makeDeal, stagesByName } from '../support/pipeline.js';

const stageNames = async (workspaceId: string) => {
  const { ctx } = await testEnv();
  const pipeline = await ctx.knex('pipelines').where({ workspace_id: workspaceId }).orderBy('position').first();
  const stages = await ctx.knex('pipeline_stages').where({ workspace_id: workspaceId, pipeline_id: pipeline.id }).whereNull('archived_at').orderBy('position');
  return stages.map((s: { name: string }) => s.name);
};

describe('pipelines and stages', () => {
  it('gives every new workspace the default pipeline, its stages in order and the lost reasons', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace('Default Co');
    const pipelines = await ctx.knex('pipelines').where({ workspace_id: workspace.id });
    expect(pipelines.map((p: { name: string }) => p.name)).to.deep.equal(['Sales']);
    const stages = await ctx.knex('pipeline_stages').where({ workspace_id: workspace.id }).orderBy('position');
    expect(stages.map((s: { name: string; kind: string; probability: number; position: number }) => [s.name, s.kind, s.probability, s.position])).to.deep.equal([
      ['New', 'open', 10, 0],
      ['Qualified', 'open', 25, 1],
      ['Proposal', 'open', 50, 2],
      ['Negotiation', 'open', 75, 3],
      ['Won', 'won', 100, 4],
      ['Lost', 'lost', 0, 5],
    ]);
    const reasons = await ctx.knex('lost_reasons').where({ workspace_id: workspace.id }).orderBy('position');
    expect(reasons.map((r: { name: string }) => r.name)).to.deep.equal(DEFAULT_LOST_REASONS);
  });

  it('fills in the default pipeline for workspaces created before it existed (the data migration), once', async () => {
    const { ctx } = await testEnv();
    // A workspace made without the sign-up hooks, as before the pipeline existed.
    const old = await insertWorkspace(ctx.knex, { name: 'Old Co' });
    const { workspace: current } = await createWorkspace('Current Co');
    await fillDefaultPipelines(ctx.knex);
    await fillDefaultPipelines(ctx.knex);
    const names = await stageNames(old.id);
    expect(names).to.deep.equal(DEFAULT_STAGES.map((s) => s.name));
    const stages = await ctx.knex('pipeline_stages').where({ workspace_id: old.id }).orderBy('position');
    expect(stages.map((s: { kind: string; probability: number }) => [s.kind, s.probability])).to.deep.equal(DEFAULT_STAGES.map((s) => [s.kind, s.probability]));
    expect(await ctx.knex('pipelines').where({ workspace_id: old.id })).to.have.length(1);
    expect((await ctx.knex('lost_reasons').where({ workspace_id: old.id }).orderBy('position')).map((r: { name: string }) => r.name)).to.deep.equal(DEFAULT_LOST_REASONS);
    // Workspaces that already had theirs are left alone.
    expect(await ctx.knex('pipelines').where({ workspace_id: current.id })).to.have.length(1);
    expect(await ctx.knex('pipeline_stages').where({ workspace_id: current.id })).to.have.length(6);
  });

  it('lets admins rename, add, reorder, archive and restore stages from Settings', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const admin = await createMember(workspace.id, 'admin');
    const s = await signIn(admin.email);
    const page = await s.get('/settings/pipeline').expect(200);
    expect(page.text).to.contain('Custom deal fields').and.contain('Lost reasons').and.contain('value="Negotiation"');
    const stages = await stagesByName(workspace.id);

    await s.post(`/settings/stages/${stages.Qualified.id}`, { name: 'Qualified lead', kind: 'open', probability: '30' }).expect(303);
    expect(await stageNames(workspace.id)).to.deep.equal(['New', 'Qualified lead', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    expect((await ctx.knex('pipeline_stages').where({ id: stages.Qualified.id }).first()).probability).to.equal(30);

    const pipeline = await ctx.knex('pipelines').where({ workspace_id: workspace.id }).first();
    // A new open stage goes after the last open one, before Won and Lost.
    await s.post(`/settings/pipelines/${pipeline.id}/stages`, { name: 'Demo', kind: 'open', probability: '' }).expect(303);
    expect(await stageNames(workspace.id)).to.deep.equal(['New', 'Qualified lead', 'Proposal', 'Negotiation', 'Demo', 'Won', 'Lost']);
    const demo = await ctx.knex('pipeline_stages').where({ workspace_id: workspace.id, name: 'Demo' }).first();
    expect(demo.probability).to.equal(null);

    await s.post(`/settings/stages/${demo.id}/move`, { direction: 'up' }).expect(303);
    await s.post(`/settings/stages/${demo.id}/move`, { direction: 'up' }).expect(303);
    expect(await stageNames(workspace.id)).to.deep.equal(['New', 'Qualified lead', 'Demo', 'Proposal', 'Negotiation', 'Won', 'Lost']);

    await s.post(`/settings/stages/${demo.id}/archive`).expect(303);
    expect(await stageNames(workspace.id)).to.deep.equal(['New', 'Qualified lead', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    const board = await s.get('/pipeline').expect(200);
    expect(board.text).not.to.contain('>Demo<');
    await s.post(`/settings/stages/${demo.id}/restore`).expect(303);
    expect(await stageNames(workspace.id)).to.deep.equal(['New', 'Qualified lead', 'Proposal', 'Negotiation', 'Won', 'Lost', 'Demo']);

    // Validation: names and probabilities.
    const bad = await s.post(`/settings/stages/${demo.id}`, { name: '', kind: 'open', probability: '140' }).expect(422);
    expect(bad.text).to.contain('This field is required').and.contain('Enter a percentage from 0 to 100');
    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id }).whereIn('action', ['stage.updated', 'stage.created', 'stage.archived', 'stage.restored']);
    expect(audit.length).to.be.at.least(5);
  });

  it('keeps stages that hold deals consistent: no archiving with open deals, no kind change, one open stage left', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const stages = await stagesByName(workspace.id);
    const contact = await createContact(workspace.id, 'Ana');
    await makeDeal(workspace, contact, { stage_id: stages.Proposal.id });
    const archive = await s.post(`/settings/stages/${stages.Proposal.id}/archive`).expect(422);
    expect(archive.text).to.contain('still holds open deals');
    const kind = await s.post(`/settings/stages/${stages.Proposal.id}`, { name: 'Proposal', kind: 'won', probability: '50' }).expect(422);
    expect(kind.text).to.contain('move them out before changing its kind');
    // Archive every empty open stage: the last open one stays.
    for (const name of ['New', 'Qualified', 'Negotiation']) await s.post(`/settings/stages/${stages[name].id}/archive`).expect(303);
    await ctx.knex('deals').where({ workspace_id: workspace.id }).delete();
    const last = await s.post(`/settings/stages/${stages.Proposal.id}/archive`).expect(422);
    expect(last.text).to.contain('at least one open stage');
  });

  it('creates and renames pipelines; the board switches between them', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    await s.post('/settings/pipelines', { name: 'Renewals' }).expect(303);
    const renewals = await ctx.knex('pipelines').where({ workspace_id: workspace.id, name: 'Renewals' }).first();
    expect(await ctx.knex('pipeline_stages').where({ pipeline_id: renewals.id })).to.have.length(6);
    await s.post(`/settings/pipelines/${renewals.id}`, { name: 'Renewals 2027' }).expect(303);
    const board = await s.get(`/pipeline?pipeline=${renewals.id}`).expect(200);
    expect(board.text).to.contain('Renewals 2027').and.contain(`data-pipeline="${renewals.id}"`);
    await s.post('/settings/pipelines', { name: ' ' }).expect(422);
  });

  it('manages the lost-reason list and custom deal fields', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    await s.post('/settings/lost-reasons', { name: 'Went silent' }).expect(303);
    const dup = await s.post('/settings/lost-reasons', { name: 'went SILENT' }).expect(422);
    expect(dup.text).to.contain('There is already a reason with this name');
    const reason = await ctx.knex('lost_reasons').where({ workspace_id: workspace.id, name: 'Went silent' }).first();
    await s.post(`/settings/lost-reasons/${reason.id}`, { name: 'Ghosted' }).expect(303);
    await s.post(`/settings/lost-reasons/${reason.id}/archive`).expect(303);
    const active = await ctx.knex('lost_reasons').where({ workspace_id: workspace.id }).whereNull('archived_at');
    expect(active.map((r: { name: string }) => r.name)).not.to.include('Ghosted');
    for (const r of active.slice(1)) await s.post(`/settings/lost-reasons/${r.id}/archive`).expect(303);
    const keep = await s.post(`/settings/lost-reasons/${active[0].id}/archive`).expect(422);
    expect(keep.text).to.contain('Keep at least one lost reason');

    await s.post('/settings/deal-fields', { label: 'Budget (USD)', type: 'number' }).expect(303);
    await s.post('/settings/deal-fields', { label: 'Size', type: 'select', options: '' }).expect(422);
    await s.post('/settings/deal-fields', { label: 'Size', type: 'select', options: 'Small\nLarge\nLarge' }).expect(303);
    const fields = await ctx.knex('deal_fields').where({ workspace_id: workspace.id }).orderBy('position');
    expect(fields.map((f: { key: string; type: string; options: string[] }) => [f.key, f.type, f.options])).to.deep.equal([
      ['budget_usd', 'number', []],
      ['size', 'select', ['Small', 'Large']],
    ]);
    await s.post('/settings/pipeline/board', { closed_deals_visible_days: '400' }).expect(422);
    await s.post('/settings/pipeline/board', { closed_deals_visible_days: '3' }).expect(303);
    expect((await ctx.knex('workspaces').where({ id: workspace.id }).first()).closed_deals_visible_days).to.equal(3);
  });

  it('keeps agents out of pipeline settings', async () => {
    const { workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    const stages = await stagesByName(workspace.id);
    await s.get('/settings/pipeline').expect(403);
    await s.post('/settings/pipelines', { name: 'Mine' }).expect(403);
    await s.post(`/settings/stages/${stages.New.id}`, { name: 'X', kind: 'open' }).expect(403);
    await s.post(`/settings/stages/${stages.New.id}/archive`).expect(403);
    await s.post('/settings/lost-reasons', { name: 'X' }).expect(403);
    await s.post('/settings/deal-fields', { label: 'X', type: 'text' }).expect(403);
    await s.post('/settings/pipeline/board', { closed_deals_visible_days: '1' }).expect(403);
    expect(await stageNames(workspace.id)).to.include('New');
  });

  it('answers 404 for pipelines, stages, reasons and fields of another workspace', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const stagesB = await stagesByName(b.workspace.id);
    const pipelineB = await ctx.knex('pipelines').where({ workspace_id: b.workspace.id }).first();
    const reasonB = await ctx.knex('lost_reasons').where({ workspace_id: b.workspace.id }).first();
    const s = await signIn(a.user.email);
    await s.post('/settings/deal-fields', { label: 'Mine', type: 'text' }).expect(303);
    const [fieldB] = await ctx.knex('deal_fields').insert({ workspace_id: b.workspace.id, key: 'x', label: 'X', type: 'text' }).returning('id');
    await s.post(`/settings/pipelines/${pipelineB.id}`, { name: 'Hijack' }).expect(404);
    await s.post(`/settings/pipelines/${pipelineB.id}/stages`, { name: 'Hijack', kind: 'open' }).expect(404);
    await s.post(`/settings/stages/${stagesB.New.id}`, { name: 'Hijack', kind: 'open' }).expect(404);
    await s.post(`/settings/stages/${stagesB.New.id}/move`, { direction: 'down' }).expect(404);
    await s.post(`/settings/stages/${stagesB.New.id}/archive`).expect(404);
    await s.post(`/settings/stages/${stagesB.New.id}/restore`).expect(404);
    await s.post(`/settings/lost-reasons/${reasonB.id}`, { name: 'Hijack' }).expect(404);
    await s.post(`/settings/lost-reasons/${reasonB.id}/archive`).expect(404);
    await s.post(`/settings/deal-fields/${fieldB.id}`, { label: 'Hijack' }).expect(404);
    await s.post(`/settings/deal-fields/${fieldB.id}/archive`).expect(404);
    await s.get(`/pipeline?pipeline=${pipelineB.id}`).expect(404);
    await s.get(`/pipeline/stages/${stagesB.New.id}/cards`).expect(404);
    expect(await stageNames(b.workspace.id)).to.deep.equal(DEFAULT_STAGES.map((x) => x.name));
    expect((await ctx.knex('pipelines').where({ id: pipelineB.id }).first()).name).to.equal('Sales');
  });
});

describe('pipelines API', () => {
  it('lists pipelines with their stages in the documented shape', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const res = await api.get('/pipelines').expect(200);
    expect(res.body.data).to.have.length(1);
    const [p] = res.body.data;
    expect(p).to.have.keys('id', 'name', 'position', 'stages');
    expect(p.stages.map((s: { name: string }) => s.name)).to.deep.equal(['New', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    expect(p.stages[0]).to.have.keys('id', 'name', 'position', 'kind', 'probability');
    expect(p.stages[4]).to.include({ kind: 'won', position: 4, probability: 100 });
  });

  it('creates pipelines and stages, and changes stages', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const created = await api
      .post('/pipelines', { name: 'Wholesale', stages: [{ name: 'Lead', kind: 'open', probability: 5 }, { name: 'Signed', kind: 'won' }, { name: 'Dropped', kind: 'lost' }] })
      .expect(201);
    const p = created.body.data;
    expect(p.stages.map((s: { name: string; position: number }) => [s.name, s.position])).to.deep.equal([['Lead', 0], ['Signed', 1], ['Dropped', 2]]);
    await api.post('/pipelines', { name: 'No open', stages: [{ name: 'Won', kind: 'won' }] }).expect(422);
    const stage = await api.post(`/pipelines/${p.id}/stages`, { name: 'Quote', probability: 40 }).expect(201);
    expect(stage.body.data).to.include({ name: 'Quote', kind: 'open', position: 1, probability: 40 });
    await api.post(`/pipelines/${p.id}/stages`, { name: 'First', position: 0 }).expect(201);
    const moved = await api.patch(`/pipelines/${p.id}/stages/${stage.body.data.id}`, { position: 0, name: 'Quotation' }).expect(200);
    expect(moved.body.data).to.include({ name: 'Quotation', position: 0 });
    const list = await api.get(`/pipelines/${p.id}`).expect(200);
    expect(list.body.data.stages.map((s: { name: string }) => s.name)).to.deep.equal(['Quotation', 'First', 'Lead', 'Signed', 'Dropped']);
    await api.patch(`/pipelines/${p.id}/stages/${stage.body.data.id}`, { archived: true }).expect(200);
    expect((await api.get(`/pipelines/${p.id}`)).body.data.stages).to.have.length(4);
    await api.patch(`/pipelines/${p.id}/stages/${stage.body.data.id}`, { probability: 101 }).expect(422);
    await api.patch(`/pipelines/${p.id}`, { name: 'Wholesale EU' }).expect(200);
    expect((await api.get('/pipelines')).body.data.map((x: { name: string }) => x.name)).to.deep.equal(['Sales', 'Wholesale EU']);
    const reasons = await api.get('/lost-reasons').expect(200);
    expect(reasons.body.data.map((r: { name: string }) => r.name)).to.deep.equal(DEFAULT_LOST_REASONS);
  });

  it('answers 404 for another workspace\'s pipelines and stages', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const api = await apiClient(a.workspace.id);
    const pipelineA = await ctx.knex('pipelines').where({ workspace_id: a.workspace.id }).first();
    const pipelineB = await ctx.knex('pipelines').where({ workspace_id: b.workspace.id }).first();
    const stagesB = await stagesByName(b.workspace.id);
    await api.get(`/pipelines/${pipelineB.id}`).expect(404);
    await api.patch(`/pipelines/${pipelineB.id}`, { name: 'x' }).expect(404);
    await api.post(`/pipelines/${pipelineB.id}/stages`, { name: 'x' }).expect(404);
    await api.patch(`/pipelines/${pipelineB.id}/stages/${stagesB.New.id}`, { name: 'x' }).expect(404);
    // A stage of another workspace under one's own pipeline: still 404.
    await api.patch(`/pipelines/${pipelineA.id}/stages/${stagesB.New.id}`, { name: 'x' }).expect(404);
    expect((await ctx.knex('pipeline_stages').where({ id: stagesB.New.id }).first()).name).to.equal('New');
  });
});
