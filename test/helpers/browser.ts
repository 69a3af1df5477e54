import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium, installed by .ci/run when missing. */
export const CHROMIUM = process.env.SURVEY_CHROMIUM ?? '/usr/bin/chromium';

/** A real browser: Debian's chromium, headless, in a fresh profile, with nothing of its own on the network. */
export interface Browser {
  readonly context: BrowserContext;
  /** Opens `url` in a new tab and records what a reader's browser would report. */
  open(url: string): Promise<OpenedPage>;
  close(): Promise<void>;
}

/** A page as opened: the tab, and the console errors, page errors and requests it made. */
export interface OpenedPage {
  readonly page: Page;
  /** The HTTP status of the page itself (0 for a file). */
  readonly status: number;
  /** Console messages of type error or warning, and uncaught page errors. */
  readonly problems: string[];
  /** Every URL the page requested, itself included. */
  readonly requests: string[];
}

/** Launches chromium once (per test file: a launch costs about a second). */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 1400 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async open(url) {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      const response = await page.goto(url, { waitUntil: 'load' });
      return { page, status: response?.status() ?? 0, problems, requests };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
