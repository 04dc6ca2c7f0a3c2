/**
 * Builds an ESA authorisation value `"ESA " + base64(serviceSecret:licenseKey)` (RMS WEB SERVICE format [C S11]).
 * Whether RCCSAPI accepts an ESA key in `authKey` is [U]: use it only if Rakuten confirms it for the shop;
 * otherwise pass the separately issued 認証キー as-is.
 */
export function buildEsaAuthKey(serviceSecret: string, licenseKey: string): string {
  if (!serviceSecret || !licenseKey) throw new TypeError('serviceSecret and licenseKey are required');
  return `ESA ${Buffer.from(`${serviceSecret}:${licenseKey}`, 'utf8').toString('base64')}`;
}
