/**
 * Screenshots an HTML page with Debian's Chromium through playwright-core: the one way the
 * repository turns its SVG charts into PNGs (docs/dashboards.png, docs/performance-scale.png).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`). */
export const chromiumPath = '/usr/bin/chromium';

/** Whether {@link chromiumPath} exists, so a caller can skip or explain instead of failing. */
export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

/** What {@link screenshotHtml} renders. */
export interface ScreenshotOptions {
  /** The page, a complete HTML document. */
  readonly html: string;
  /** The PNG written; its directory is created if missing. */
  readonly out: string;
  /** Viewport of the headless tab, CSS pixels. */
  readonly width: number;
  readonly height: number;
  /** The element screenshotted (its bounding box). Default `main`. */
  readonly selector?: string;
}

/** Renders `html` in headless Chromium and writes a screenshot of one element as a PNG. */
export async function screenshotHtml(options: ScreenshotOptions): Promise<void> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
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
  try {
    const tab = await browser.newPage({
      viewport: { width: options.width, height: options.height },
      deviceScaleFactor: 1,
    });
    await tab.setContent(options.html);
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, await tab.locator(options.selector ?? 'main').screenshot());
  } finally {
    await browser.close();
  }
}
