import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { variableNames } from '../../src/config.js';
import { rootDir } from '../../src/paths.js';

const read = (file: string) => fs.readFileSync(path.join(rootDir, file), 'utf8');

describe('documentation stays true to the configuration', () => {
  it('lists every environment variable in README, .env.example and the Helm chart', () => {
    const readme = read('README.md');
    const example = read('.env.example');
    const chart = read('helm/par-crm/templates/_helpers.tpl');
    for (const name of variableNames) {
      expect(readme, `README.md lacks ${name}`).to.contain(`| \`${name}\``);
      expect(example, `.env.example lacks ${name}`).to.match(new RegExp(`^${name}=`, 'm'));
      // HOST is the container's own business in Kubernetes.
      if (name !== 'HOST') expect(chart, `the Helm chart does not set ${name}`).to.contain(`name: ${name}`);
    }
  });
});
