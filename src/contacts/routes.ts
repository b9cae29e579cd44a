// The contacts section's route table: the searchable list, a contact's page (edit, its
// conversations and notes, merge, delete), CSV export and import, and Settings -> Contact fields.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { checkCsrf } from '../web/csrf.js';
import { Invalid, notFound } from '../web/errors.js';
import { flash } from '../web/flash.js';
import { requireMember, requireRole } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { BOM, csvLine } from './csv.js';
import { exportFilename, writeContactsCsv } from './export.js';
import {
  createContactField,
  customFieldsForDisplay,
  deleteContactField,
  findContactField,
  listContactFields,
  moveContactField,
  updateContactField,
  type ContactFieldRow,
} from './fields.js';
import { createImport, csvUpload, discardImport, findImport, importTargets, recentImports, rejectionText, startImport, type ContactImportRow } from './import.js';
import { mergeContacts, planMerge } from './merge.js';
import {
  contactDisplayName,
  conversationsOfContact,
  findContact,
  labelsOfContact,
  labelsOfContacts,
  lastActivityOfContacts,
  notesOfContact,
  searchContacts,
  type ContactRow,
} from './repo.js';
import { ContactChanges, ContactFieldChanges, ContactSearch, MoveContactField, NewContact, NewContactField } from './schema.js';
import { createContact, deleteContact, updateContact } from './service.js';

const admin = requireRole('owner', 'admin');
const PAGE_SIZE = 50;

/** contactRoutes is the route table of /contacts and /settings/contact-fields. */
export function contactRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;

  const newForm = { view: 'contacts/new', title: 'contacts.new.title', locals: newLocals };
  // The error handler runs outside the route, where req.params is gone: the handlers keep what
  // these forms render again in res.locals.
  const editForm = { view: 'contacts/show', title: 'contacts.title', locals: (req: Request) => contactLocals(req, req.res!.locals.contact) };
  const importForm = { view: 'contacts/import', title: 'contacts.import.title', locals: importLocals };
  const mappingForm = { view: 'contacts/import-mapping', title: 'contacts.import.title', locals: mappingLocals };
  const fieldsForm = { view: 'settings/contact-fields', title: 'contact_fields.title', locals: fieldsLocals };

  router.get('/contacts', requireMember, index);
  router.get('/contacts/new', requireMember, newPage);
  router.post('/contacts', requireMember, form(newForm), create);
  router.get('/contacts/export.csv', admin, exportCsv);
  router.get('/contacts/import', requireMember, importPage);
  router.post('/contacts/import', requireMember, form(importForm), csvUpload, upload);
  router.get('/contacts/imports/:id', requireMember, importStatus);
  router.post('/contacts/imports/:id/start', requireMember, form(mappingForm), start);
  router.post('/contacts/imports/:id/discard', requireMember, discard);
  router.get('/contacts/imports/:id/rejected.csv', requireMember, rejectedCsv);
  router.get('/contacts/:id', requireMember, show);
  router.post('/contacts/:id', requireMember, form(editForm), update);
  router.post('/contacts/:id/delete', admin, destroy);
  router.get('/contacts/:id/merge', admin, mergeSearch);
  router.get('/contacts/:id/merge/:otherId', admin, mergeConfirm);
  router.post('/contacts/:id/merge/:otherId', admin, merge);
  router.get('/settings/contact-fields', admin, fieldsPage);
  router.post('/settings/contact-fields', admin, form(fieldsForm), createField);
  router.post('/settings/contact-fields/:id', admin, form(fieldsForm), updateField);
  router.post('/settings/contact-fields/:id/move', admin, moveField);
  router.post('/settings/contact-fields/:id/delete', admin, deleteField);
  return router;

  // ---- The list ----

  async function index(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const { q, cursor } = parseInput(ContactSearch, req.query);
    const page = await searchContacts(knex, ws, q, { limit: PAGE_SIZE, cursor });
    const ids = page.data.map((c) => c.id);
    const locals = {
      q,
      contacts: page.data,
      labels: await labelsOfContacts(knex, ws, ids),
      activity: await lastActivityOfContacts(knex, ws, ids),
      nextCursor: page.next_cursor,
      first: !cursor,
      empty: !q && !cursor && !page.data.length,
    };
    // "Load more" asks for the next rows alone; the search box for the whole list.
    render(req, res, 'contacts/index', locals, { title: res.locals.t('nav.contacts'), partial: cursor ? 'contacts/_rows' : 'contacts/_list' });
  }

  async function newLocals(req: Request) {
    return { fields: await listContactFields(knex, req.workspace!.id) };
  }

  async function newPage(req: Request, res: Response) {
    render(req, res, 'contacts/new', { ...(await newLocals(req)), values: { phone: typeof req.query.phone === 'string' ? req.query.phone : '' } }, { title: res.locals.t('contacts.new.title') });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewContact, req.body);
    const contact = await knex.transaction((trx) => createContact(trx, req.workspace!.id, input, actorOf(req)));
    flash(req, 'success', res.locals.t('contacts.created', { name: contactDisplayName(contact) }));
    redirect(req, res, `/contacts/${contact.id}`);
  }

  async function exportCsv(req: Request, res: Response) {
    const { q } = parseInput(ContactSearch, req.query);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${exportFilename(req.workspace!.name)}"`,
      'Cache-Control': 'no-store',
    });
    await writeContactsCsv(knex, req.workspace!.id, q, res);
  }

  // ---- A contact ----

  async function loadContact(req: Request): Promise<ContactRow> {
    return (await findContact(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function contactLocals(req: Request, loaded?: ContactRow) {
    const ws = req.workspace!.id;
    const contact = loaded ?? (await loadContact(req));
    const fields = await listContactFields(knex, ws);
    return {
      contact,
      fields,
      customDisplay: customFieldsForDisplay(fields, contact.custom, req.res!.locals.fmt),
      labels: await labelsOfContact(knex, ws, contact.id),
      conversations: await conversationsOfContact(knex, ws, contact.id),
      notes: await notesOfContact(knex, ws, contact.id),
    };
  }

  async function show(req: Request, res: Response) {
    const locals = await contactLocals(req);
    const c = locals.contact;
    const values = { name: c.name ?? '', phone: c.phone ?? '', email: c.email ?? '', custom: c.custom ?? {} };
    render(req, res, 'contacts/show', { ...locals, values }, { title: contactDisplayName(c) });
  }

  async function update(req: Request, res: Response) {
    const contact = await loadContact(req);
    res.locals.contact = contact;
    const body = { ...req.body };
    // A contact known only by a WhatsApp username may stay without a number.
    if (!contact.phone && !String(body.phone ?? '').trim()) delete body.phone;
    const input = parseInput(ContactChanges, body);
    await knex.transaction((trx) => updateContact(trx, req.workspace!.id, contact.id, input, actorOf(req)));
    flash(req, 'success', res.locals.t('contacts.saved'));
    redirect(req, res, `/contacts/${contact.id}`);
  }

  async function destroy(req: Request, res: Response) {
    const contact = await knex.transaction((trx) => deleteContact(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
    flash(req, 'success', res.locals.t('contacts.deleted', { name: contactDisplayName(contact) }));
    redirect(req, res, '/contacts');
  }

  // ---- Merging ----

  async function mergeSearch(req: Request, res: Response) {
    const contact = await loadContact(req);
    const { q } = parseInput(ContactSearch, req.query);
    // Without a search, look for contacts with the same name: the likeliest duplicates.
    const query = q || (contact.name ?? contact.profile_name ?? '').trim();
    const page = query ? await searchContacts(knex, req.workspace!.id, query, { limit: 21 }) : { data: [] };
    const candidates = page.data.filter((c) => c.id !== contact.id).slice(0, 20);
    render(req, res, 'contacts/merge-search', { contact, q: query, candidates }, { title: res.locals.t('contacts.merge.title'), partial: 'contacts/_merge_candidates' });
  }

  async function mergeConfirm(req: Request, res: Response) {
    const plan = await planMerge(knex, req.workspace!.id, String(req.params.id), String(req.params.otherId));
    const fields = await listContactFields(knex, req.workspace!.id);
    render(req, res, 'contacts/merge-confirm', { plan, fields }, { title: res.locals.t('contacts.merge.title') });
  }

  async function merge(req: Request, res: Response) {
    const kept = await knex.transaction((trx) => mergeContacts(trx, req.workspace!.id, String(req.params.id), String(req.params.otherId), actorOf(req)));
    flash(req, 'success', res.locals.t('contacts.merge.done', { name: contactDisplayName(kept) }));
    redirect(req, res, `/contacts/${kept.id}`);
  }

  // ---- Import ----

  async function importLocals(req: Request) {
    return { imports: await recentImports(knex, req.workspace!.id) };
  }

  async function importPage(req: Request, res: Response) {
    render(req, res, 'contacts/import', await importLocals(req), { title: res.locals.t('contacts.import.title') });
  }

  async function upload(req: Request, res: Response) {
    // A multipart form: its CSRF token could only be read once the upload was parsed.
    checkCsrf(req);
    const fields = await listContactFields(knex, req.workspace!.id);
    const imp = await createImport(ctx, req.workspace!.id, req.file, fields, actorOf(req));
    redirect(req, res, `/contacts/imports/${imp.id}`);
  }

  async function loadImport(req: Request): Promise<ContactImportRow> {
    return (await findImport(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function mappingLocals(req: Request) {
    const imp: ContactImportRow = req.res!.locals.imp ?? (await loadImport(req));
    const fields = await listContactFields(knex, req.workspace!.id);
    return { imp, targets: importTargets(fields, req.res!.locals.t), mapping: imp.mapping };
  }

  async function importStatus(req: Request, res: Response) {
    const imp = await loadImport(req);
    const title = res.locals.t('contacts.import.title');
    if (imp.status === 'uploaded') {
      render(req, res, 'contacts/import-mapping', await mappingLocals(req), { title });
      return;
    }
    const fields = await listContactFields(knex, req.workspace!.id);
    render(req, res, 'contacts/import-status', { imp, fields, rejectionText }, { title, partial: 'contacts/_import_progress' });
  }

  async function start(req: Request, res: Response) {
    const imp = await loadImport(req);
    res.locals.imp = imp;
    const raw = req.body?.mapping && typeof req.body.mapping === 'object' ? (req.body.mapping as Record<string, unknown>) : {};
    // The form names its selects mapping[c0], mapping[c1] ... (qs would turn bare numbers into an array).
    const mapping = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^c/, ''), String(v)]));
    const fields = await listContactFields(knex, req.workspace!.id);
    try {
      await startImport(ctx, req.workspace!.id, imp.id, mapping, fields, actorOf(req));
    } catch (err) {
      // Field errors name columns as mapping.<index>; the form's selects are mapping.c<index>.
      if (err instanceof Invalid) throw new Invalid(Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k.replace(/^mapping\.(\d+)$/, 'mapping.c$1'), v])));
      throw err;
    }
    redirect(req, res, `/contacts/imports/${imp.id}`);
  }

  async function discard(req: Request, res: Response) {
    await discardImport(ctx, req.workspace!.id, String(req.params.id), actorOf(req));
    flash(req, 'info', res.locals.t('contacts.import.discarded'));
    redirect(req, res, '/contacts/import');
  }

  async function rejectedCsv(req: Request, res: Response) {
    const imp = await loadImport(req);
    const fields = await listContactFields(knex, req.workspace!.id);
    const t = res.locals.t;
    const base = (imp.filename ?? 'contacts.csv').replace(/\.csv$/i, '').replace(/[^\w.-]+/g, '_');
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${base}-rejected.csv"`, 'Cache-Control': 'no-store' });
    let body = BOM + csvLine([t('contacts.import.row'), t('contacts.import.reason'), ...imp.columns.map((c) => c.header)]);
    for (const r of imp.rejected_rows ?? []) body += csvLine([r.row, rejectionText(r, fields, t), ...r.values]);
    res.send(body);
  }

  // ---- Settings -> Contact fields ----

  async function fieldsLocals(req: Request) {
    return { fields: await listContactFields(knex, req.workspace!.id) };
  }

  async function fieldsPage(req: Request, res: Response) {
    render(req, res, 'settings/contact-fields', await fieldsLocals(req), { title: res.locals.t('contact_fields.title') });
  }

  async function createField(req: Request, res: Response) {
    const input = parseInput(NewContactField, req.body);
    const field = await knex.transaction((trx) => createContactField(trx, req.workspace!.id, input, actorOf(req)));
    flash(req, 'success', res.locals.t('contact_fields.created', { name: field.label }));
    redirect(req, res, '/settings/contact-fields');
  }

  async function loadField(req: Request): Promise<ContactFieldRow> {
    return (await findContactField(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function updateField(req: Request, res: Response) {
    const field = await loadField(req);
    const input = parseInput(ContactFieldChanges, req.body);
    await knex.transaction((trx) => updateContactField(trx, req.workspace!.id, field.id, input, actorOf(req)));
    flash(req, 'success', res.locals.t('contact_fields.saved'));
    redirect(req, res, '/settings/contact-fields');
  }

  async function moveField(req: Request, res: Response) {
    const { direction } = parseInput(MoveContactField, req.body);
    await knex.transaction((trx) => moveContactField(trx, req.workspace!.id, String(req.params.id), direction, actorOf(req)));
    redirect(req, res, '/settings/contact-fields');
  }

  async function deleteField(req: Request, res: Response) {
    const field = await knex.transaction((trx) => deleteContactField(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
    flash(req, 'success', res.locals.t('contact_fields.deleted', { name: field.label }));
    redirect(req, res, '/settings/contact-fields');
  }
}
