// ua-parser-js 1.x ships no types; the part Edupeak calls (src/lib/user-agent.ts).
declare module 'ua-parser-js' {
  interface UAResult {
    browser: { name?: string; version?: string };
    os: { name?: string; version?: string };
    device: { type?: string; vendor?: string; model?: string };
  }
  export default class UAParser {
    constructor(userAgent?: string);
    getResult(): UAResult;
  }
}
