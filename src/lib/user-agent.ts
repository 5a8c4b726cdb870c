import UAParser from 'ua-parser-js';
import { msg } from '../i18n/catalogue.ts';

/**
 * A User-Agent read by ua-parser-js (a well-kept parser: its rules follow new browsers and devices,
 * which our own regular expressions did not), for people ("Firefox on Android") and for the
 * `device` and `browser` of login_session; never for logic.
 */
export interface DeviceInfo {
  browser: string;
  os: string;
  device: 'mobile' | 'tablet' | 'desktop';
}

/** ua-parser-js's names where ours read better (and match what pages and tests have always shown). */
const BROWSER_NAMES: Record<string, string> = {
  'Mobile Safari': 'Safari',
  'Mobile Chrome': 'Chrome',
  'Mobile Firefox': 'Firefox',
  'Samsung Browser': 'Samsung Internet',
  UCBrowser: 'UC Browser',
  'Opera Touch': 'Opera',
  'Opera GX': 'Opera',
};
const SYSTEM_NAMES: Record<string, string> = {
  'Mac OS': 'macOS',
  'Chromium OS': 'ChromeOS',
  Ubuntu: 'Linux',
  Debian: 'Linux',
  Fedora: 'Linux',
  'Arch': 'Linux',
};

export function describeUserAgent(userAgent: string | null | undefined): DeviceInfo {
  if (!userAgent) return { browser: msg('Unknown browser'), os: msg('unknown system'), device: 'desktop' };
  const { browser, os, device } = new UAParser(userAgent).getResult();
  return {
    browser: browser.name ? (BROWSER_NAMES[browser.name] ?? browser.name) : msg('Unknown browser'),
    os: os.name ? (SYSTEM_NAMES[os.name] ?? os.name) : msg('unknown system'),
    // Phones, watches and the like are "mobile"; televisions, consoles and computers "desktop".
    device: device.type === 'tablet' ? 'tablet' : device.type === 'mobile' || device.type === 'wearable' ? 'mobile' : 'desktop',
  };
}
