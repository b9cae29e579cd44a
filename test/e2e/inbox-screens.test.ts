import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot, signInBrowser } from '../support/browser.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { approvedTemplate, customerConversation, storedMessage, whatsappChannel } from '../support/whatsapp.js';

async function seedInbox() {
  const { ctx } = await testEnv();
  const { user, workspace } = await createWorkspace('Casa Verde Móveis');
  const agent = await createMember(workspace.id, 'agent', 'Diego Santos');
  const channel = await whatsappChannel(workspace.id, { name: 'Vendas', display_phone_number: '+55 11 4002 8922' });
  await approvedTemplate(channel, { name: 'retomar_contato', language: 'pt_BR', components: [{ type: 'BODY', text: 'Olá {{1}}! Ainda tem interesse no {{2}}?' }] });
  const people = ['Mariana Costa', 'João Pereira', 'Ana Beatriz', 'Carlos Lima', 'Fernanda Souza', 'Rafael Alves', 'Juliana Rocha', 'Pedro Martins'];
  const previews = ['Vocês entregam em Campinas?', 'Obrigado! Chegou certinho 🙌', 'Qual o prazo do sofá retrátil?', 'Pode mandar o catálogo?', 'Tem na cor cinza?', 'Fechado, vou pagar no Pix', 'Bom dia! Ainda está disponível?', 'Quanto fica o frete?'];
  const conversations = [];
  for (const [i, name] of people.entries()) {
    const c = await customerConversation(channel, { name, windowOpen: i !== 6 });
    await storedMessage(c, { text: previews[i] });
    if (i === 1) await storedMessage(c, { direction: 'outbound', text: 'Que bom! Qualquer coisa é só chamar.', status: 'read' });
    if (i === 2) await ctx.knex('conversations').where({ id: c.id }).update({ assignee_id: agent.id });
    conversations.push(c);
  }
  const main = conversations[0];
  await ctx.knex('conversations').where({ id: main.id }).update({ assignee_id: user.id });
  const first = await storedMessage(main, { text: 'Oi! Vi o anúncio do sofá Lisboa 3 lugares. Vocês entregam em Campinas?', referral: { source_url: 'https://fb.me/ad', headline: 'Sofá Lisboa — 20% off', source_type: 'ad' } });
  await storedMessage(main, { direction: 'outbound', text: 'Olá Mariana! Entregamos sim 😊 O frete para Campinas fica *R$ 89* e chega em até 5 dias úteis.', status: 'read', reply_to_wamid: first.wamid });
  await storedMessage(main, { type: 'reaction', reaction_emoji: '👍', reaction_to_wamid: first.wamid, text: null, direction: 'outbound' });
  await storedMessage(main, { type: 'location', text: null, location: { latitude: -22.9056, longitude: -47.0608, name: 'Casa da Mariana', address: 'Rua Barão de Jaguara, 1200 — Campinas' } });
  await storedMessage(main, { type: 'document', text: null, content: {}, media_id: null });
  await storedMessage(main, { direction: 'outbound', text: 'Segue o catálogo com as cores disponíveis: https://casaverde.example/catalogo', status: 'delivered' });
  await storedMessage(main, { text: 'Perfeito! Tem na cor cinza-claro?' });
  await ctx.knex('notes').insert({ workspace_id: workspace.id, contact_id: main.contact_id, conversation_id: main.id, author_id: user.id, body: 'Cliente recorrente — oferecer 10% no Pix.' });
  await storedMessage(main, { direction: 'outbound', text: 'Temos sim! Vou separar uma amostra.', status: 'failed', error_code: '131026', error_title: 'Message undeliverable' });
  return { user, workspace, main };
}

describeBrowser('inbox screens', (browser) => {
  it('shows the inbox and a conversation on a laptop and on a phone', async () => {
    const { baseUrl } = await testEnv();
    const { user, main } = await seedInbox();
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl });
    await signInBrowser(page, user.email);
    await screenshot(page, 'inbox-desktop');
    await page.locator(`#conv-${main.id}`).click();
    await page.locator('#conversation').waitFor();
    await page.waitForURL(`**/inbox/conversations/${main.id}`);
    await screenshot(page, 'conversation-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/inbox');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
    await screenshot(page, 'inbox-phone');
    await page.goto(`/inbox/conversations/${main.id}`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0);
    await screenshot(page, 'conversation-phone');
    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
