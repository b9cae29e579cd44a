import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { expect } from 'chai';
import { publicDir } from '../../src/paths.js';

describe('browser assets', () => {
  it('every script in public/js parses', () => {
    const dir = path.join(publicDir, 'js');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(files.length).to.be.greaterThan(0);
    for (const f of files) expect(() => new vm.Script(fs.readFileSync(path.join(dir, f), 'utf8'), { filename: f }), f).not.to.throw();
  });

  it('the stylesheet has balanced braces (every rule and media block closed)', () => {
    let depth = 0;
    const css = fs.readFileSync(path.join(publicDir, 'css', 'app.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const ch of css) {
      if (ch === '{') depth += 1;
      if (ch === '}') depth -= 1;
      expect(depth).to.be.at.least(0);
    }
    expect(depth).to.equal(0);
  });

  it('every icon the templates use is in the sprite', () => {
    const sprite = fs.readFileSync(path.join(publicDir, 'img', 'icons.svg'), 'utf8');
    const defined = new Set([...sprite.matchAll(/<symbol id="([^"]+)"/g)].map((m) => m[1]));
    const viewsDir = path.join(publicDir, '..', 'views');
    const missing: string[] = [];
    const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    for (const file of walk(viewsDir)) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/icon', \{ name: '([a-z0-9-]+)'/g)) if (!defined.has(m[1])) missing.push(`${path.basename(file)}: ${m[1]}`);
    }
    expect(missing).to.deep.equal([]);
  });
});
