import { msg } from '../i18n/catalogue.ts';

/** A rough, dependency-free reading of a User-Agent, for people ("Firefox on Android"), not for logic. */
export interface DeviceInfo {
  browser: string;
  os: string;
  device: 'mobile' | 'tablet' | 'desktop';
}

const BROWSERS: Array<[RegExp, string]> = [
  [/Opera Mini/i, 'Opera Mini'],
  [/OPR\/|Opera/i, 'Opera'],
  [/UCBrowser/i, 'UC Browser'],
  [/SamsungBrowser/i, 'Samsung Internet'],
  [/Edg\//i, 'Edge'],
  [/Firefox\//i, 'Firefox'],
  [/Chrome\/|CriOS/i, 'Chrome'],
  [/Safari\//i, 'Safari'],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/Android/i, 'Android'],
  [/iPhone|iPad|iPod/i, 'iOS'],
  [/Windows/i, 'Windows'],
  [/Mac OS X|Macintosh/i, 'macOS'],
  [/CrOS/i, 'ChromeOS'],
  [/Linux/i, 'Linux'],
];

export function describeUserAgent(userAgent: string | null | undefined): DeviceInfo {
  const ua = userAgent ?? '';
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? msg('Unknown browser');
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? msg('unknown system');
  const device = /iPad|Tablet/i.test(ua) ? 'tablet' : /Mobi|Android|iPhone|Opera Mini/i.test(ua) ? 'mobile' : 'desktop';
  return { browser, os, device };
}
