import { expect, openStudio, test } from './studio.ts';

/** Patient images never leave the machine: the page may talk to its own origin and nothing else. */
test('requests nothing beyond its own origin and violates no CSP directive', async ({ page, context, baseURL, pageErrors: _ }) => {
  const origin = new URL(baseURL!).origin;
  const requested: string[] = [];
  // Context-wide: catches the page, its workers and anything Chromium does on the page's behalf.
  context.on('request', (request) => requested.push(request.url()));
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  await openStudio(page);
  // Exercise what exists: the kernels, and the demo dataset through ingestion to thumbnails.
  await page.evaluate(() => window.gazecam!.selfTest([]));
  await page.getByRole('button', { name: 'Load demo dataset' }).click();
  await expect(page.getByRole('list', { name: 'Dataset images' }).getByRole('img')).toHaveCount(24, { timeout: 120_000 });

  const foreign = requested.filter((url) => {
    const { protocol } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') return false;
    return new URL(url).origin !== origin;
  });
  expect(foreign, 'requests to other origins').toEqual([]);
  // The listener works: it saw the page and the worker script come from our origin.
  expect(requested.some((url) => url.includes('training.worker'))).toBe(true);

  const violations = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  expect(violations, 'Content-Security-Policy violations').toEqual([]);
});

test('the Content-Security-Policy forbids connections to other origins', async ({ page, pageErrors: _ }) => {
  await openStudio(page);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("connect-src 'self'");
  const blocked = await page.evaluate(async () => {
    try {
      await fetch('https://example.invalid/upload', { method: 'POST', body: 'x' });
      return 'fetch went through';
    } catch (err) {
      return `blocked: ${String(err)}`;
    }
  });
  expect(blocked).toMatch(/^blocked/);
});
