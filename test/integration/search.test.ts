import { expect } from 'chai';
import { ensureConversation, type ConversationRow } from '../../src/inbox/conversations.js';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, sandboxChannel } from '../support/whatsapp.js';
import { RANKED_BATCH } from '../../src/search/repo.js';
import type { ChannelRow } from '../../src/whatsapp/channels.js';

interface Customer {
  contactId: string;
  conversation: ConversationRow;
}

/** A contact of the channel's workspace with its conversation. */
async function customer(channel: ChannelRow, values: { name?: string; profile_name?: string; phone?: string; email?: string; username?: string }): Promise<Customer> {
  const { ctx } = await testEnv();
  const digits = values.phone?.replace(/\D/g, '') ?? null;
  const key = digits && digits.length === 13 && digits.startsWith('55') && digits[4] === '9' ? digits.slice(0, 4) + digits.slice(5) : digits;
  const [contact] = await ctx.knex('contacts')
    .insert({
      workspace_id: channel.workspace_id,
      name: values.name ?? null,
      profile_name: values.profile_name ?? null,
      phone: digits ? `+${digits}` : null,
      phone_key: key,
      wa_id: digits,
      email: values.email ?? null,
      username: values.username ?? null,
    })
    .returning('*');
  const conversation = await ensureConversation(ctx.knex, channel.workspace_id, channel.id, contact.id);
  return { contactId: contact.id, conversation };
}

/** A message in the customer's conversation, written at `at`. */
async function message(c: Customer, text: string, options: { at?: Date; direction?: 'inbound' | 'outbound' } = {}): Promise<string> {
  const { ctx } = await testEnv();
  const direction = options.direction ?? 'inbound';
  const [row] = await ctx.knex('messages')
    .insert({
      workspace_id: c.conversation.workspace_id,
      conversation_id: c.conversation.id,
      channel_id: c.conversation.channel_id,
      contact_id: c.contactId,
      direction,
      type: 'text',
      text,
      status: direction === 'inbound' ? 'received' : 'sent',
      created_at: options.at ?? new Date(),
    })
    .returning('id');
  return row.id;
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

describe('search', () => {
  it('finds contacts by name prefix, WhatsApp name, email and phone in any written form', async () => {
    const { workspace } = await createWorkspace('Search Co');
    const channel = await sandboxChannel(workspace.id);
    const ana = await customer(channel, { name: 'Ana Souza', phone: '+55 11 98765-4321', email: 'ana.souza@example.com' });
    const bruno = await customer(channel, { profile_name: 'Bruno Lima', phone: '+1 555 010 7788' });
    const api = await apiClient(workspace.id);
    const ids = async (q: string) => (await api.get(`/search?q=${encodeURIComponent(q)}`).expect(200)).body.data.contacts.map((c: { id: string }) => c.id);

    expect(await ids('Sou')).to.deep.equal([ana.contactId]);
    expect(await ids('ana souza')).to.deep.equal([ana.contactId]);
    expect(await ids('brun')).to.deep.equal([bruno.contactId]);
    // Phone numbers: with spaces, +, dashes; the Brazilian mobile with and without its ninth digit.
    expect(await ids('+55 11 98765-4321')).to.deep.equal([ana.contactId]);
    expect(await ids('5511987654321')).to.deep.equal([ana.contactId]);
    expect(await ids('55 11 8765 4321')).to.deep.equal([ana.contactId]);
    expect(await ids('(11) 98765-4321')).to.deep.equal([ana.contactId]);
    expect(await ids('4321')).to.deep.equal([ana.contactId]);
    expect(await ids('+1 555 010')).to.deep.equal([bruno.contactId]);
    // Email, whole and while typing it.
    expect(await ids('ana.souza@example.com')).to.deep.equal([ana.contactId]);
    expect(await ids('ana.souza@exa')).to.deep.equal([ana.contactId]);
    expect(await ids('nobody')).to.deep.equal([]);
  });

  it('finds messages by a word and by the start of a word, ranking exact matches first and newer ones among equals', async () => {
    const { workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const carla = await customer(channel, { name: 'Carla Dias', phone: '+55 21 99876-5432' });
    const partial = await message(carla, 'Is the bluetooth speaker in stock?', { at: minutesAgo(1) });
    const older = await message(carla, 'I want the blue dress', { at: minutesAgo(30) });
    const newer = await message(carla, 'I want the blue dress', { at: minutesAgo(10) });
    await message(carla, 'Thanks, see you tomorrow', { at: minutesAgo(5) });
    const api = await apiClient(workspace.id);
    const found = async (q: string) => (await api.get(`/search?q=${encodeURIComponent(q)}`).expect(200)).body.data.messages.map((m: { id: string }) => m.id);

    expect(await found('blue')).to.deep.equal([newer, older, partial]);
    expect(await found('blu')).to.have.members([newer, older, partial]);
    expect(await found('dress')).to.deep.equal([newer, older]);
    expect(await found('want dre')).to.deep.equal([newer, older]);
    expect(await found('"blue dress"')).to.deep.equal([newer, older]);
    expect(await found('the -dress')).to.deep.equal([partial]);
    expect(await found('speaker or tomorrow')).to.have.length(2);
    expect(await found('tomorrow')).to.have.length(1);
  });

  it('ranks a contact named exactly as typed above one whose name only starts with it', async () => {
    const { workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const anabela = await customer(channel, { name: 'Anabela Reis', phone: '+351 912 345 678' });
    const ana = await customer(channel, { name: 'Ana Reis', phone: '+351 913 345 678' });
    const api = await apiClient(workspace.id);
    const res = await api.get('/search?q=ana').expect(200);
    expect(res.body.data.contacts.map((c: { id: string }) => c.id)).to.deep.equal([ana.contactId, anabela.contactId]);
  });

  it('answers empty results for empty or one-letter queries and 422 for very long ones', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    for (const q of ['', ' ', 'a', '!!']) {
      const res = await api.get(`/search?q=${encodeURIComponent(q)}`).expect(200);
      expect(res.body).to.deep.equal({ data: { contacts: [], messages: [] }, next_cursor: { contacts: null, messages: null } });
    }
    const long = await api.get(`/search?q=${'x'.repeat(201)}`).expect(422);
    expect(long.body.error.fields.q).to.equal('Search for at most 200 characters');
    await api.get(`/search?q=${'x'.repeat(200)}`).expect(200);
    await api.get('/search?q=hello&limit=0').expect(422);
    await api.get('/search?q=hello&in=messages&cursor=garbage').expect(422);
    await api.get('/search?q=hello&cursor=abc').expect(422);
  });

  it('answers the documented API shape and pages each list with its cursor', async () => {
    const { workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const dora = await customer(channel, { name: 'Dora Order', phone: '+44 7700 900123' });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await message(dora, `Order number ${i} is ready`, { at: minutesAgo(10 - i) }));
    const api = await apiClient(workspace.id);
    const first = await api.get('/search?q=order&limit=2').expect(200);
    expect(first.body.data.contacts).to.have.length(1);
    expect(first.body.data.contacts[0]).to.include({ id: dora.contactId, display_name: 'Dora Order', name: 'Dora Order', phone: '+447700900123' });
    const [hit] = first.body.data.messages;
    expect(Object.keys(hit)).to.include.members(['id', 'conversation_id', 'contact_id', 'text', 'snippet', 'created_at']);
    expect(hit).to.include({ id: ids[4], conversation_id: dora.conversation.id, contact_id: dora.contactId, text: 'Order number 4 is ready', contact_name: 'Dora Order', channel_name: 'Sandbox' });
    expect(hit.snippet).to.equal('<mark>Order</mark> number 4 is ready');
    expect(first.body.next_cursor.messages).to.be.a('string');

    const seen = first.body.data.messages.map((m: { id: string }) => m.id);
    let cursor = first.body.next_cursor.messages;
    while (cursor) {
      const page = await api.get(`/search?q=order&limit=2&in=messages&cursor=${cursor}`).expect(200);
      expect(page.body.data.contacts).to.deep.equal([]);
      seen.push(...page.body.data.messages.map((m: { id: string }) => m.id));
      cursor = page.body.next_cursor.messages;
    }
    expect(seen).to.deep.equal([...ids].reverse());

    const doc = await api.get('/openapi.json').expect(200);
    expect(doc.body.paths['/search'].get.parameters.map((p: { name: string }) => p.name)).to.include.members(['q', 'limit']);
  });

  it('pages on past the most recent batch of matches, into older ones, without repeating a message', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const gil = await customer(channel, { name: 'Gil', phone: '+351 931 000 111' });
    const total = RANKED_BATCH + 5;
    const rows = Array.from({ length: total }, (_, i) => ({
      workspace_id: workspace.id,
      conversation_id: gil.conversation.id,
      channel_id: channel.id,
      contact_id: gil.contactId,
      direction: 'inbound',
      type: 'text',
      text: i % 2 ? `box ${i}` : `box box ${i}`,
      status: 'received',
      created_at: new Date(Date.now() - (total - i) * 1000),
    }));
    for (let i = 0; i < rows.length; i += 500) await ctx.knex('messages').insert(rows.slice(i, i + 500));
    const api = await apiClient(workspace.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: { messages: Array<{ id: string }> }; next_cursor: { messages: string | null } } } = await api.get(`/search?q=box&limit=100&in=messages${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      seen.push(...res.body.data.messages.map((m: { id: string }) => m.id));
      cursor = res.body.next_cursor.messages;
      pages += 1;
    } while (cursor && pages < 20);
    expect(seen).to.have.length(total);
    expect(new Set(seen).size).to.equal(total);
    expect(pages).to.equal(11);
  });

  it('never returns another workspace’s contacts or messages', async () => {
    const a = await createWorkspace('Alpha');
    const b = await createWorkspace('Beta');
    const channelA = await sandboxChannel(a.workspace.id);
    const channelB = await sandboxChannel(b.workspace.id);
    const mine = await customer(channelA, { name: 'Paula Pereira', phone: '+55 31 99123-4567' });
    const theirs = await customer(channelB, { name: 'Paula Pereira', phone: '+55 31 99123-4567', email: 'paula@example.com' });
    const mineMessage = await message(mine, 'paula asks about the invoice');
    await message(theirs, 'paula asks about the invoice');
    const api = await apiClient(a.workspace.id);
    for (const q of ['paula', 'pereira', '+55 31 99123-4567', '4567', 'invoice', 'invo', 'paula@example.com']) {
      const res = await api.get(`/search?q=${encodeURIComponent(q)}`).expect(200);
      for (const c of res.body.data.contacts) expect(c.id, q).to.equal(mine.contactId);
      for (const m of res.body.data.messages) expect(m.id, q).to.equal(mineMessage);
    }
    const s = await signIn(a.user.email);
    const page = await s.get('/search?q=invoice').expect(200);
    expect(page.text).to.contain(mineMessage).and.not.contain(theirs.conversation.id);
  });

  it('shows contacts and messages on the search page with escaped, highlighted snippets and links', async () => {
    const { user, workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const eva = await customer(channel, { name: 'Eva <b>Bold</b>', phone: '+49 151 2345 6789' });
    const id = await message(eva, 'Hello <script>alert("x")</script> where is my order & receipt?');
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    const page = await s.get('/search?q=order').expect(200);
    expect(page.text).to.contain(`href="/inbox/conversations/${eva.conversation.id}?message=${id}"`);
    expect(page.text).to.contain('Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; where is my <mark>order</mark> &amp; receipt?');
    expect(page.text).to.contain('<mark>order</mark> &amp; receipt?');
    expect(page.text).not.to.contain('<script>alert');
    expect(page.text).to.contain('Eva &lt;b&gt;Bold&lt;/b&gt;');
    expect(page.text).not.to.match(/\sstyle="|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+="|hx-on/);

    const contacts = await s.get('/search?q=eva').expect(200);
    expect(contacts.text).to.contain(`href="/contacts/${eva.contactId}"`).and.contain('+4915123456789');
    const nothing = await s.get('/search?q=zzzz').expect(200);
    expect(nothing.text).to.contain('Nothing found for &#34;zzzz&#34;');
    const start = await s.get('/search').expect(200);
    expect(start.text).to.contain('Search contacts and messages');
    await s.get(`/search?q=${'y'.repeat(201)}`).expect(422);
  });

  it('pages the search page’s lists with htmx', async () => {
    const { user, workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const fred = await customer(channel, { name: 'Fred', phone: '+33 6 12 34 56 78' });
    for (let i = 0; i < 52; i++) await message(fred, `parcel ${i}`, { at: minutesAgo(100 - i) });
    const s = await signIn(user.email);
    const page = await s.get('/search?q=parcel').expect(200);
    expect(page.text.match(/class="result"/g)).to.have.length(50);
    const more = /hx-get="([^"]+in=messages[^"]+)"/.exec(page.text)![1].replaceAll('&amp;', '&');
    const next = await s.get(more).set('HX-Request', 'true').expect(200);
    expect(next.text).not.to.contain('<html');
    expect(next.text.match(/class="result"/g)).to.have.length(2);
    expect(next.text).to.contain('<mark>parcel</mark> 0').and.not.contain('Show more messages');
    // Without JavaScript the link shows the next page of that list.
    const plain = await s.get(more).expect(200);
    expect(plain.text).to.contain('<html').and.contain('<mark>parcel</mark> 1').and.contain('Back to all results');
  });
});
