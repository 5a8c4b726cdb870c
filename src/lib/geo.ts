import geoip from 'geoip-country';
import { isIP } from 'node:net';

/**
 * The country of an IP address (ISO 3166-1 alpha-2, e.g. "DE"), from geoip-country: MaxMind's
 * GeoLite2 country data shipped inside the npm package (about 9 MB, read once at start-up; nothing
 * is downloaded at run time; an `npm update` brings newer data). The address is the one Express
 * reports (`req.ip`), so TRUST_PROXY decides whether a proxy's X-Forwarded-For counts. Private,
 * loopback and unknown addresses have no country (null).
 */
export function countryOf(ip: string | null | undefined): string | null {
  if (!ip || !isIP(ip)) return null;
  return geoip.lookup(ip)?.country ?? null;
}
