// geoip-country ships no types; the one call Edupeak makes (src/lib/geo.ts).
declare module 'geoip-country' {
  const geoip: { lookup(ip: string): { country: string } | null };
  export default geoip;
}
