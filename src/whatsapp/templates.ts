// Message templates: synced per channel from its WhatsApp Business Account (every page of
// Meta's list), or a built-in set for sandbox channels so template sending can be tried without
// Meta. A template Meta no longer lists is deleted here too: it cannot be sent any more, and
// messages that used one keep its name and parameters in their own data.
// templateVariables() tells a sender what values a template needs.
import type { AppContext } from '../context.js';
import type { Db } from '../db/index.js';
import { channelSecrets, failureHealth, setChannelHealth, type ChannelRow } from './channels.js';
import type { GraphTemplate } from './graph.js';

export type ParameterFormat = 'NAMED' | 'POSITIONAL';

export interface TemplateRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  meta_template_id: string | null;
  name: string;
  language: string;
  status: string;
  category: string | null;
  parameter_format: ParameterFormat;
  components: TemplateComponent[];
  status_reason: string | null;
  synced_at: Date;
  created_at: Date;
}

/** A component as Meta describes it (HEADER, BODY, FOOTER, BUTTONS); unknown keys are kept. */
export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: Array<{ type: string; text?: string; url?: string; phone_number?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/**
 * The templates every sandbox channel has, shaped like Meta's list: one without variables, a
 * positional one with a URL button that takes a suffix, a named one, and one with an image
 * header. One rejected template shows how Meta's refusals look.
 */
export const sandboxTemplates: GraphTemplate[] = [
  {
    id: 'sandbox-hello_world',
    name: 'hello_world',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
      { type: 'BODY', text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from PAR CRM. Thank you for taking the time to test with us.' },
      { type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
    ],
  },
  {
    id: 'sandbox-order_update',
    name: 'order_update',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.', example: { body_text: [['Ana', '#1234']] } },
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track your order', url: 'https://shop.example.com/orders/{{1}}', example: ['https://shop.example.com/orders/1234'] }] },
    ],
  },
  {
    id: 'sandbox-appointment_reminder',
    name: 'appointment_reminder',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Hi {{first_name}}, this is a reminder of your appointment today at {{time}}. Reply YES to confirm or call us to change it.',
        example: {
          body_text_named_params: [
            { param_name: 'first_name', example: 'Ana' },
            { param_name: 'time', example: '3:30 PM' },
          ],
        },
      },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'YES' },
          { type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+15550100' },
        ],
      },
    ],
  },
  {
    id: 'sandbox-spring_sale',
    name: 'spring_sale',
    language: 'en_US',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://shop.example.com/spring.jpg'] } },
      { type: 'BODY', text: 'Spring is here, {{1}}! Take {{2}} off everything in store this week.', example: { body_text: [['Ana', '20%']] } },
      { type: 'FOOTER', text: 'Not interested? Reply STOP' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Show me' }, { type: 'QUICK_REPLY', text: 'Stop promotions' }] },
    ],
  },
  {
    id: 'sandbox-flash_discount',
    name: 'flash_discount',
    language: 'en_US',
    status: 'REJECTED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    rejected_reason: 'INVALID_FORMAT',
    components: [{ type: 'BODY', text: '{{1}} LAST CHANCE!!! {{2}}' }],
  },
];

/** The part of a template templateVariables reads. */
export type TemplateShape = Pick<TemplateRow, 'parameter_format' | 'components'>;

export type HeaderFormat = 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION' | 'none';

export interface TemplateVariables {
  format: ParameterFormat;
  /** NAMED: the body's parameter names in order of first use; POSITIONAL: how many ({{1}}..{{n}}). */
  body: string[] | number;
  headerFormat: HeaderFormat;
  /** Variables of a TEXT header, named or counted like the body (a header has at most one). */
  header: string[] | number;
  /** Every button with its position; needsSuffix: a URL button whose url ends in a variable. */
  buttons: Array<{ index: number; type: string; needsSuffix: boolean }>;
}

const NAMED_VARIABLE = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;
const POSITIONAL_VARIABLE = /\{\{\s*(\d+)\s*\}\}/g;

function componentOf(template: TemplateShape, type: string): TemplateComponent | undefined {
  return (template.components ?? []).find((c) => typeof c?.type === 'string' && c.type.toUpperCase() === type);
}

function variablesIn(text: string | undefined, format: ParameterFormat): string[] | number {
  if (format === 'NAMED') {
    const names: string[] = [];
    for (const m of (text ?? '').matchAll(NAMED_VARIABLE)) if (!names.includes(m[1])) names.push(m[1]);
    return names;
  }
  let highest = 0;
  for (const m of (text ?? '').matchAll(POSITIONAL_VARIABLE)) highest = Math.max(highest, Number(m[1]));
  return highest;
}

/** templateVariables tells what a send of the template needs: body and header values, button suffixes. */
export function templateVariables(template: TemplateShape): TemplateVariables {
  const format: ParameterFormat = template.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  const header = componentOf(template, 'HEADER');
  const headerFormat = (header ? String(header.format ?? 'TEXT').toUpperCase() : 'none') as HeaderFormat;
  const buttons = (componentOf(template, 'BUTTONS')?.buttons ?? []).map((b, index) => {
    const type = String(b?.type ?? '').toUpperCase();
    return { index, type, needsSuffix: type === 'URL' && typeof b.url === 'string' && /\{\{[^}]*\}\}/.test(b.url) };
  });
  return {
    format,
    body: variablesIn(componentOf(template, 'BODY')?.text, format),
    headerFormat,
    header: headerFormat === 'TEXT' ? variablesIn(header?.text, format) : format === 'NAMED' ? [] : 0,
    buttons,
  };
}

/** textSegments splits template text into plain runs and {{variables}}, for highlighting them. */
export function textSegments(text: string | undefined): Array<{ text: string; variable: boolean }> {
  const out: Array<{ text: string; variable: boolean }> = [];
  let last = 0;
  for (const m of (text ?? '').matchAll(/\{\{\s*[\w]+\s*\}\}/g)) {
    if (m.index > last) out.push({ text: text!.slice(last, m.index), variable: false });
    out.push({ text: m[0], variable: true });
    last = m.index + m[0].length;
  }
  if (text && last < text.length) out.push({ text: text.slice(last), variable: false });
  return out;
}

/** The row values of one template as Meta (or the sandbox) lists it. */
function templateValues(channel: ChannelRow, t: GraphTemplate, now: Date) {
  const reason = t.rejected_reason && t.rejected_reason !== 'NONE' ? t.rejected_reason : null;
  return {
    workspace_id: channel.workspace_id,
    channel_id: channel.id,
    meta_template_id: t.id ? String(t.id) : null,
    name: String(t.name),
    language: String(t.language),
    status: String(t.status ?? 'PENDING').toUpperCase(),
    category: t.category ? String(t.category).toUpperCase() : null,
    parameter_format: t.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL',
    // JSON text: pg would otherwise send a JS array as a Postgres array.
    components: JSON.stringify(Array.isArray(t.components) ? t.components : []),
    status_reason: reason,
    synced_at: now,
  };
}

/** storeTemplates makes the channel's templates exactly `list`: upserts them, deletes the rest. */
export async function storeTemplates(trx: Db, channel: ChannelRow, list: GraphTemplate[]): Promise<void> {
  const now = new Date();
  // Meta keys a template on (name, language); keep the last one if it ever lists a pair twice.
  const byKey = new Map<string, ReturnType<typeof templateValues>>();
  for (const t of list) {
    if (!t?.name || !t?.language) continue;
    byKey.set(`${t.name}\u0000${t.language}`, templateValues(channel, t, now));
  }
  const rows = [...byKey.values()];
  for (let i = 0; i < rows.length; i += 500) {
    await trx('templates')
      .insert(rows.slice(i, i + 500))
      .onConflict(['channel_id', 'name', 'language'])
      .merge(['meta_template_id', 'status', 'category', 'parameter_format', 'components', 'status_reason', 'synced_at']);
  }
  // The rest are templates Meta no longer lists.
  const gone = trx('templates').where({ workspace_id: channel.workspace_id, channel_id: channel.id });
  if (rows.length) gone.whereNotIn(['name', 'language'], rows.map((r) => [r.name, r.language]));
  await gone.delete();
  await trx('channels').where({ workspace_id: channel.workspace_id, id: channel.id }).update({ templates_synced_at: now });
}

/**
 * syncTemplates pulls every template of the channel's WABA from Meta (the sandbox's built-in
 * set for a sandbox channel) and stores them; returns the channel's templates. A failure is
 * recorded in the channel's health and rethrown; success marks the channel healthy.
 */
export async function syncTemplates(ctx: AppContext, channel: ChannelRow): Promise<TemplateRow[]> {
  let list: GraphTemplate[];
  if (channel.type === 'sandbox') {
    list = sandboxTemplates;
  } else {
    try {
      const token = channelSecrets(ctx.config.encryptionKey, channel).accessToken;
      list = await ctx.graph.listTemplates(channel.waba_id ?? '', token ?? '');
    } catch (err) {
      const failure = failureHealth(err);
      await setChannelHealth(ctx.knex, channel.workspace_id, channel.id, failure.health, failure.error);
      throw err;
    }
  }
  await ctx.knex.transaction(async (trx) => {
    await storeTemplates(trx, channel, list);
    if (channel.type !== 'sandbox') await setChannelHealth(trx, channel.workspace_id, channel.id, 'ok', null);
  });
  return channelTemplates(ctx.knex, channel.workspace_id, channel.id);
}

/** channelTemplates lists a channel's templates by name and language. */
export function channelTemplates(db: Db, workspaceId: string, channelId: string): Promise<TemplateRow[]> {
  return db('templates').where({ workspace_id: workspaceId, channel_id: channelId }).orderBy([{ column: 'name' }, { column: 'language' }]);
}

/** templateCountsByChannel counts the workspace's templates per channel id. */
export async function templateCountsByChannel(db: Db, workspaceId: string): Promise<Map<string, number>> {
  const rows: Array<{ channel_id: string; n: number | string }> = await db('templates')
    .where({ workspace_id: workspaceId })
    .groupBy('channel_id')
    .select('channel_id', db.raw('count(*)::int as n'));
  return new Map(rows.map((r) => [String(r.channel_id), Number(r.n)]));
}

/** templatesQuery is the unordered query of the workspace's templates on live channels, filtered. */
export function templatesQuery(db: Db, workspaceId: string, filter: { channelId?: string; status?: string }) {
  const q = db('templates as t')
    .join('channels as c', function () {
      this.on('c.workspace_id', '=', 't.workspace_id').andOn('c.id', '=', 't.channel_id');
    })
    .where('t.workspace_id', workspaceId)
    .whereNull('c.deleted_at')
    .select('t.*');
  if (filter.channelId) q.andWhere('t.channel_id', filter.channelId);
  if (filter.status) q.andWhere('t.status', filter.status);
  return q;
}

/** presentTemplate is the API shape of a template. */
export function presentTemplate(t: TemplateRow) {
  return {
    id: t.id,
    channel_id: t.channel_id,
    name: t.name,
    language: t.language,
    status: t.status,
    status_reason: t.status_reason,
    category: t.category,
    parameter_format: t.parameter_format,
    components: t.components,
    synced_at: t.synced_at,
  };
}
