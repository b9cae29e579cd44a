import { expect } from 'chai';
import { placeholdersMarked, renderQuickReply } from '../../src/quickreplies/render.js';
import { highlightedHtml, plainSnippet } from '../../src/search/highlight.js';
import { phoneDigitsOf, searchTerms } from '../../src/search/query.js';

describe('search queries', () => {
  it('finds nothing for empty, one-character or symbol-only queries', () => {
    for (const q of ['', '   ', 'a', ' b ', '!!', '--']) expect(searchTerms(q), q).to.equal(null);
    expect(searchTerms('ab')).not.to.equal(null);
  });

  it('matches the last word as a prefix unless it is quoted or excluded', () => {
    expect(searchTerms('blue dre')!.prefix).to.deep.equal({ rest: 'blue ', word: 'dre', joiner: '&' });
    expect(searchTerms('Pedido')!.prefix).to.deep.equal({ rest: '', word: 'pedido', joiner: '&' });
    expect(searchTerms('order 12?')!.prefix).to.deep.equal({ rest: 'order ', word: '12', joiner: '&' });
    expect(searchTerms('speaker or tomo')!.prefix).to.deep.equal({ rest: 'speaker ', word: 'tomo', joiner: '|' });
    expect(searchTerms('"blue dress"')!.prefix).to.equal(null);
    expect(searchTerms('"blue dre')!.prefix).to.equal(null);
    expect(searchTerms('blue -dress')!.prefix).to.equal(null);
    expect(searchTerms('заказ дост')!.prefix).to.deep.equal({ rest: 'заказ ', word: 'дост', joiner: '&' });
    expect(searchTerms('  many   spaces  ')!.text).to.equal('many spaces');
  });

  it('reads phone numbers in the forms people type them', () => {
    expect(phoneDigitsOf('+55 (11) 98765-4321')).to.deep.equal(['5511987654321', '551187654321']);
    expect(phoneDigitsOf('11 98765 4321')).to.deep.equal(['11987654321', '1187654321']);
    expect(phoneDigitsOf('98765-4321')).to.deep.equal(['987654321', '87654321']);
    expect(phoneDigitsOf('0044 7700 900123')).to.deep.equal(['447700900123']);
    expect(phoneDigitsOf('4321')).to.deep.equal(['4321']);
    expect(phoneDigitsOf('123')).to.equal(null);
    expect(phoneDigitsOf('order 1234')).to.equal(null);
    expect(searchTerms('ana@exa')!.email).to.equal('ana@exa');
    expect(searchTerms('ana @ exa')!.email).to.equal(null);
  });

  it('escapes snippets and turns only the match markers into <mark>', () => {
    expect(highlightedHtml('say \u0002hello\u0003 to <script>alert("x")</script> & co')).to.equal(
      'say <mark>hello</mark> to &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co',
    );
    // What repo.ts hid from ts_headline comes back escaped.
    expect(highlightedHtml('\uE000b\uE001 \uE002amp; \u0002x\u0003')).to.equal('&lt;b&gt; &amp;amp; <mark>x</mark>');
    // Unbalanced markers never leave an open or stray tag.
    expect(highlightedHtml('\u0002open')).to.equal('<mark>open</mark>');
    expect(highlightedHtml('close\u0003 \u0002\u0002x\u0003')).to.equal('close <mark>x</mark>');
    expect(plainSnippet('\u0002hi\u0003 \uE000there\uE001')).to.equal('hi <there>');
  });
});

describe('quick reply placeholders', () => {
  it('fills {{contact_name}} and {{agent_name}}, leaving unknown values and other braces as written', () => {
    const text = 'Hi {{contact_name}}, I am {{ Agent_Name }}. {{order_id}} {{contact_name}}';
    expect(renderQuickReply(text, { contactName: 'Ana', agentName: 'Rui' })).to.equal('Hi Ana, I am Rui. {{order_id}} Ana');
    expect(renderQuickReply(text, { agentName: 'Rui' })).to.equal('Hi {{contact_name}}, I am Rui. {{order_id}} {{contact_name}}');
    expect(renderQuickReply(text, { contactName: '  ', agentName: null })).to.equal(text);
    // Values are inserted as text: $-patterns are not special.
    expect(renderQuickReply('Hi {{contact_name}}', { contactName: '$& $1' })).to.equal('Hi $& $1');
  });

  it('marks placeholders for display after escaping the text', () => {
    expect(placeholdersMarked('<b>{{contact_name}}</b> {{x}}')).to.equal('&lt;b&gt;<span class="placeholder">{{contact_name}}</span>&lt;/b&gt; {{x}}');
  });
});
