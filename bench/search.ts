// Search benchmark: a workspace with a million messages, then the search query timed for several
// kinds of terms. Target: under 200 ms (p95) per search at one million messages on Postgres.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/par_bench npx tsx bench/search.ts
//
// Without DATABASE_URL it runs on an in-memory embedded database (PGlite; slow to fill, so pass
// a smaller BENCH_MESSAGES). It writes into the database it is given: use a throwaway one.
// Environment: DATABASE_URL, BENCH_MESSAGES (1000000), BENCH_CONTACTS (20000), BENCH_RUNS (20).
import { openDatabase } from '../src/db/index.js';
import { migrateLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { searchTerms } from '../src/search/query.js';
import { searchTsqueries, searchWorkspace } from '../src/search/repo.js';
import { DEFAULT_LIMITS } from '../src/search/schema.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const TARGET_MS = 200;
const BATCH = 100_000;

// Words customers and sellers write, most frequent first (the generator favours the start of each
// list, roughly like real word frequencies). Every language has the same number of words.
const LANGUAGES: Record<string, string[]> = {
  en: 'the you to and is it for my can a please order thanks hi is price do have when how much delivery tomorrow today yes no ok size color send pay payment shipping address available stock blue black white red green small medium large dress shirt shoes bag phone case invoice receipt discount coupon return exchange refund week monday friday morning afternoon evening store pickup tracking number package arrived late early still waiting confirm cancel change model catalog photo picture video call later thank welcome good great perfect sorry problem broken wrong missing gift wrap box card cash transfer installment total cheaper expensive sale promo new collection summer winter cotton leather silver gold ring necklace bracelet watch charger cable screen glass cover pink purple brown gray kids women men baby'.split(' '),
  pt: 'o a de que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho lhe deles essas esses pelas este fosse dele tu te vocês vos lhes meus minhas teu tua teus tuas nosso nossa nossos nossas pedido entrega frete preço obrigado bom dia boa tarde noite quanto custa tamanho cor pix boleto parcelado cartão'.split(' '),
  es: 'el la de que y en a los se del las un por con no una su para es al lo como más pero sus le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros pedido envío precio gracias hola buenos días tardes cuánto cuesta talla color pago tarjeta transferencia mañana hoy semana tienda'.split(' '),
  de: 'der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei ins hier alle schon ihr wenn ja nein danke bitte hallo bestellung lieferung preis versand rechnung größe farbe zahlung überweisung morgen heute woche paket adresse rückgabe umtausch rabatt gutschein verfügbar lager schwarz weiß blau rot grün klein mittel groß kleid hemd schuhe tasche handy hülle uhr ring kette'.split(' '),
  id: 'yang dan di ini itu dengan untuk tidak dari dalam akan pada juga saya ke ada bisa kami apa sudah atau kita mereka anda karena oleh seperti jika harus lebih kalau belum mau sama ya tidak kak min gan sis bro terima kasih halo pagi siang sore malam berapa harga ongkir kirim pesan pesanan barang ready stok ukuran warna bayar transfer rekening cod alamat resi paket sampai besok hari minggu toko diskon promo gratis murah mahal baju celana sepatu tas hp casing jam cincin kalung gelang hitam putih merah biru hijau kecil sedang besar baru bekas original garansi tukar retur refund foto video katalog'.split(' '),
  ru: 'и в не на я быть он с что а по это она этот к но они мы как из у который то за свой весь год от так о для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один когда уже для вот да нет здравствуйте спасибо пожалуйста заказ доставка цена сколько стоит размер цвет оплата карта перевод завтра сегодня неделя магазин адрес посылка трек номер скидка акция подарок возврат обмен чек платье рубашка обувь сумка телефон чехол часы кольцо цепочка браслет черный белый синий красный зеленый маленький средний большой новый коллекция лето зима хлопок кожа серебро золото'.split(' '),
};
const WIDTH = Math.min(...Object.values(LANGUAGES).map((w) => w.length));
const WORDS = Object.values(LANGUAGES).map((w) => w.slice(0, WIDTH));
const FIRST_NAMES = 'Ana Bruno Carla Diego Eva Fernanda Gabriel Helena Igor Julia Karina Lucas Maria Nuno Olga Paulo Quentin Rita Sergio Tatiana Ursula Vitor Wanda Xavier Yara Zeca Aisha Budi Chen Dmitri Emma Fatima Hans Ines Jorge Kenji Lena Mohammed Nadia Omar Priya Rahul Siti Tomas Wei'.split(' ');
const LAST_NAMES = 'Silva Souza Costa Oliveira Pereira Lima Garcia Martinez Rodriguez Lopez Müller Schmidt Schneider Fischer Weber Santoso Wijaya Ivanov Petrov Smirnova Smith Johnson Brown Taylor Wilson Khan Singh Kumar Tanaka Sato Nguyen Tran Dubois Martin Bernard Rossi Russo Ferrari Novak Kowalski'.split(' ');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const log = createLogger('warn');
  const url = process.env.DATABASE_URL;
  const database = await openDatabase(url ? { url } : { memory: true }, log, 4);
  const { knex } = database;
  const started = Date.now();
  try {
    await migrateLatest(knex);
    console.log(`database: ${url ? url.replace(/\/\/[^@]*@/, '//***@') : 'embedded (PGlite, in memory)'} (${database.kind})`);

    const [workspace] = await knex('workspaces').insert({ name: `Search benchmark ${new Date().toISOString()}` }).returning('*');
    const [channel] = await knex('channels')
      .insert({
        workspace_id: workspace.id,
        type: 'sandbox',
        name: 'Benchmark',
        webhook_key: `bench-${Date.now()}`,
        phone_number_id: `bench-${Date.now()}`,
        app_secret_enc: 'unused',
        verify_token_enc: 'unused',
      })
      .returning('*');

    console.log(`generating ${CONTACTS.toLocaleString('en')} contacts and conversations …`);
    await knex.raw(
      `INSERT INTO contacts (workspace_id, name, profile_name, phone, phone_key, wa_id, email)
       SELECT ?, f.first || ' ' || l.last, CASE WHEN g % 3 = 0 THEN f.first END,
              '+55' || (11 + g % 80) || '9' || lpad((g * 7919 % 100000000)::text, 8, '0'),
              '55' || (11 + g % 80) || lpad((g * 7919 % 100000000)::text, 8, '0'),
              '55' || (11 + g % 80) || '9' || lpad((g * 7919 % 100000000)::text, 8, '0'),
              CASE WHEN g % 4 = 0 THEN lower(f.first || '.' || l.last || g) || '@example.com' END
       FROM generate_series(1, ?) AS g
       CROSS JOIN LATERAL (SELECT (?::text[])[1 + g % ?] AS first) f
       CROSS JOIN LATERAL (SELECT (?::text[])[1 + (g / 7) % ?] AS last) l`,
      [workspace.id, CONTACTS, FIRST_NAMES, FIRST_NAMES.length, LAST_NAMES, LAST_NAMES.length],
    );
    await knex.raw(
      `INSERT INTO conversations (workspace_id, channel_id, contact_id) SELECT ?, ?, id FROM contacts WHERE workspace_id = ?`,
      [workspace.id, channel.id, workspace.id],
    );
    await knex.raw('DROP TABLE IF EXISTS bench_conversations');
    await knex.raw(
      `CREATE TEMP TABLE bench_conversations AS
       SELECT row_number() OVER (ORDER BY id) AS n, id, channel_id, contact_id FROM conversations WHERE workspace_id = ?`,
      [workspace.id],
    );
    await knex.raw('CREATE UNIQUE INDEX ON bench_conversations (n)');
    const conversations = CONTACTS;

    console.log(`generating ${MESSAGES.toLocaleString('en')} messages in ${Object.keys(LANGUAGES).join(', ')} …`);
    for (let from = 1; from <= MESSAGES; from += BATCH) {
      const to = Math.min(MESSAGES, from + BATCH - 1);
      // Each message: 2 to 18 words of one language, frequent words more likely; spread over two years.
      await knex.raw(
        `INSERT INTO messages (workspace_id, conversation_id, channel_id, contact_id, direction, type, text, status, created_at)
         SELECT ?, c.id, c.channel_id, c.contact_id,
                CASE WHEN g % 9 < 5 THEN 'inbound' ELSE 'outbound' END, 'text',
                (SELECT string_agg((?::text[])[1 + g % ?][1 + floor(power(random(), 2.3) * ?)::int], ' ' ORDER BY k)
                   FROM generate_series(1, 2 + (g * 7919) % 17) AS k),
                CASE WHEN g % 9 < 5 THEN 'received' ELSE 'read' END,
                now() - ((? - g)::float / ?) * interval '730 days' - random() * interval '1 hour'
         FROM generate_series(?::bigint, ?::bigint) AS g
         JOIN bench_conversations c ON c.n = 1 + (g * 31) % ?`,
        [workspace.id, WORDS, WORDS.length, WIDTH, MESSAGES, MESSAGES, from, to, conversations],
      );
      process.stdout.write(`  ${to.toLocaleString('en')}\r`);
    }
    console.log('');
    await knex.raw('VACUUM ANALYZE messages');
    await knex.raw('VACUUM ANALYZE contacts');
    console.log(`data ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const sampleContact = await knex('contacts').where({ workspace_id: workspace.id }).orderBy('id').offset(Math.floor(CONTACTS / 2)).first();
    const cases: Array<[string, string]> = [
      ['rare word', 'garansi'],
      ['common word', 'order'],
      ['very common word', 'the'],
      ['two letters typed', 'pe'],
      ['prefix while typing', 'deliv'],
      ['two words', 'blue dress'],
      ['two words, last one typed', 'pedido entr'],
      ['phrase', '"thank you"'],
      ['non-Latin', 'заказ'],
      ['contact name', sampleContact.name.split(' ')[1]],
      ['phone, as written', sampleContact.phone.replace(/^\+55(\d\d)9(\d{4})(\d{4})$/, '+55 $1 9$2-$3')],
      ['phone, last digits', sampleContact.phone.slice(-6)],
      ['nothing matches', 'zyzzyva'],
    ];

    const rows: string[][] = [];
    for (const [label, q] of cases) {
      const terms = searchTerms(q);
      const pages = { contacts: { limit: DEFAULT_LIMITS.contacts }, messages: { limit: DEFAULT_LIMITS.messages } };
      const matching = terms
        ? await knex('messages').where('workspace_id', workspace.id).whereRaw('search @@ ?', [searchTsqueries(knex, terms).match]).count<{ count: number }[]>('* as count')
        : [{ count: 0 }];
      const times: number[] = [];
      let found = { contacts: 0, messages: 0 };
      for (let i = 0; i < RUNS + 2; i++) {
        const t0 = process.hrtime.bigint();
        const result = await searchWorkspace(knex, workspace.id, terms, pages);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (i >= 2) times.push(ms); // the first two warm the caches
        found = { contacts: result.contacts.items.length, messages: result.messages.items.length };
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      rows.push([label, q, Number(matching[0].count).toLocaleString('en'), `${found.contacts}/${found.messages}`, percentile(times, 50).toFixed(1), p95.toFixed(1), p95 < TARGET_MS ? 'ok' : 'SLOW']);
    }

    const header = ['search', 'q', 'matching msgs', 'shown c/m', 'p50 ms', 'p95 ms', `< ${TARGET_MS} ms`];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    console.log(`${MESSAGES.toLocaleString('en')} messages, ${CONTACTS.toLocaleString('en')} contacts; ${RUNS} runs per search (contacts + messages, first page)`);
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    const slow = rows.filter((r) => r[6] !== 'ok');
    console.log(slow.length ? `\n${slow.length} search(es) over the ${TARGET_MS} ms target` : `\nall searches under the ${TARGET_MS} ms target (p95)`);
    process.exitCode = slow.length ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
