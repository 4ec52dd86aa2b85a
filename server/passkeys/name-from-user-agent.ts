/**
 * Fallback passkey name when the AAGUID says nothing (all zero: Windows under attestation
 * 'none', some Android paths, and Chromium's virtual authenticator): "<browser> on <OS>",
 * e.g. "Chrome on Android". Order matters: Edge and Opera also say "Chrome", Chrome also
 * says "Safari", Android also says "Linux".
 */
const browsers: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\b(Headless)?Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];

const systems: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'Mac'],
  [/\bWindows\b/, 'Windows'],
  [/\bLinux\b/, 'Linux'],
];

/** Browser and OS named by a User-Agent, when recognised (also used for session labels). */
export function describeUserAgent(userAgent: string | null | undefined): {
  browser?: string;
  system?: string;
} {
  if (!userAgent) return {};
  return {
    browser: browsers.find(([re]) => re.test(userAgent))?.[1],
    system: systems.find(([re]) => re.test(userAgent))?.[1],
  };
}

export function nameFromUserAgent(userAgent: string | null | undefined): string {
  const { browser, system } = describeUserAgent(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  if (browser || system) return `Passkey (${browser ?? system})`;
  return 'Passkey';
}

/**
 * The phone's name as the desktop shows it ("Is this your phone? Chrome on Android"): words
 * from the user agent only, never the raw string (it can carry anything the sender likes).
 */
export function deviceFromUserAgent(userAgent: string | null | undefined): string {
  const { browser, system } = describeUserAgent(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown browser';
}
