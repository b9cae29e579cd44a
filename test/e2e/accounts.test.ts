import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { describeBrowser, openPage, screenshot } from '../support/browser.js';
import { PASSWORD, uniqueEmail } from '../support/factories.js';

describeBrowser('accounts', (browser) => {
  it('signs up, signs out, signs back in and invites a teammate', async () => {
    const { baseUrl, mail } = await testEnv();
    const { page, context, problems } = await openPage(browser(), { baseURL: baseUrl });
    const email = uniqueEmail('browser');

    await page.goto('/signup');
    await screenshot(page, 'signup');
    await page.getByLabel('Your name').fill('Bruna Lima');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Company or team name').fill('Lima Móveis');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL('**/inbox');
    await page.getByText('Your workspace Lima Móveis is ready').first().waitFor();

    // Sign out from the account menu.
    await page.locator('.sidebar summary[aria-label="Account menu"]').click();
    await page.locator('.sidebar').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await screenshot(page, 'login');

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That email and password do not match an account.').first().waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/inbox');

    await page.getByRole('link', { name: 'Settings' }).first().click();
    await page.waitForURL('**/settings/workspace');
    await page.getByRole('link', { name: 'Members' }).click();
    const teammate = uniqueEmail('teammate');
    await page.getByLabel('Email').fill(teammate);
    await page.getByLabel('Role').first().selectOption('admin');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${teammate}`).first().waitFor();
    await page.locator('text=Pending invitations').first().waitFor();
    const invite = await mail.waitFor(teammate);
    expect(invite.subject).to.equal('Join Lima Móveis on PAR CRM');
    await screenshot(page, 'members-desktop');

    // The same page on a phone: no sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    await screenshot(page, 'members-phone');
    await page.goto('/inbox');
    await screenshot(page, 'inbox-empty-phone');

    expect(problems).to.deep.equal([]);
    await context.close();
  });
});
