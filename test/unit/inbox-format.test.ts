import { expect } from 'chai';
import { humanSize, richText } from '../../src/inbox/format.js';

describe('message text in the thread', () => {
  it('escapes HTML so a message can never inject markup', () => {
    expect(richText('<script>alert(1)</script> & "quotes"')).to.equal('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(richText('<img src=x onerror=alert(1)>')).to.equal('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('links only http and https, never javascript:', () => {
    expect(richText('see https://shop.example/a_b?x=1&y=2.')).to.equal(
      'see <a href="https://shop.example/a_b?x=1&amp;y=2" target="_blank" rel="noopener noreferrer nofollow">https://shop.example/a_b?x=1&amp;y=2</a>.',
    );
    expect(richText('javascript:alert(1)')).to.equal('javascript:alert(1)');
    expect(richText('https://x.example/"onmouseover="alert(1)')).not.to.contain('"onmouseover');
  });

  it("renders WhatsApp's formatting and line breaks", () => {
    expect(richText('*bold* _it_ ~gone~ ```code```\nnext')).to.equal('<strong>bold</strong> <em>it</em> <s>gone</s> <code>code</code><br>next');
    expect(richText('2*3*4 snake_case_word')).to.equal('2*3*4 snake_case_word');
  });

  it('writes sizes for people', () => {
    expect(humanSize(512)).to.equal('512 B');
    expect(humanSize(20 * 1024)).to.equal('20 KB');
    expect(humanSize(3.4 * 1024 * 1024)).to.equal('3.4 MB');
  });
});
